;; The float32 sensitivity transport in WebAssembly with 128-bit SIMD (the TypeScript kernel in
;; ../transport.ts is the reference; this computes the same thing in float32):
;;
;;   out[i,c] = carry · P[i,c] + Σ_j coeff[i,j] · P[src[i,j], c]        for each unit i, column c
;;   grad[c]  = Σ_i dLdh[i] · out[i,c]                                   (g_t = c_tᵀ P_t, fused)
;;
;; Every function computes one range of columns [c0, c1) of every row, so threads split P by columns
;; and each column is computed by the same instructions in the same order whatever the split: results
;; do not depend on the thread count. The caller keeps c0 a multiple of 8; the ragged last (p mod 8)
;; columns go through scalar code that repeats the vector lanes' operations one by one.
;;
;; All pointers are byte offsets into the imported memory. scripts/build-wasm.mjs assembles this text
;; twice: as written (shared memory, for worker threads) and with `shared` removed (a plain memory, for
;; browsers that are not cross-origin isolated). The memory's maximum is one page short of 4 GiB so
;; that no buffer's end pointer wraps to 0.
(module
  (import "env" "memory" (memory 1 65535 shared))

  ;; ---------------------------------------------------------------------------------------------
  ;; Dense transport (full RTRL, k = n): Out = carry·P + A P, A = coeff (n × n), a GEMM.
  ;; Blocked like a GEMM micro-kernel: a tile of columns of P is packed into `panel` as slivers of 8
  ;; columns with all n rows contiguous (n × 8 floats, 8 KiB at n = 256: it stays in L1), A is packed
  ;; by the caller in blocks of 4 rows, q-major (Apack[rb][q][r] = A[4rb + r, q]), and the 4 × 8
  ;; micro-kernel keeps its 4 rows × 2 vectors of outputs in registers over the whole sum on q: per q
  ;; it loads 2 vectors of P and 4 broadcast coefficients for 8 vector multiply-adds.
  ;; ---------------------------------------------------------------------------------------------

  ;; Rows r0..r0+3, columns col..col+7: out = carry·P + Σ_q Apack[q][r] · sliver[q]; then grad.
  (func $mk4
    (param $out i32) (param $p4 i32) (param $ap i32) (param $sl i32) (param $n i32)
    (param $carry f32) (param $dLdh i32) (param $grad i32) (param $r0 i32) (param $col i32)
    (local $c v128) (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128)
    (local $x20 v128) (local $x21 v128) (local $x30 v128) (local $x31 v128)
    (local $bp i32) (local $end i32) (local $o i32) (local $g0 v128) (local $g1 v128) (local $d v128)
    (local.set $c (f32x4.splat (local.get $carry)))
    ;; the carry term reads P's own rows r0..r0+3 from the packed sliver (row r at sliver + 32 r)
    (local.set $bp (i32.add (local.get $sl) (i32.shl (local.get $r0) (i32.const 5))))
    (local.set $x00 (f32x4.mul (local.get $c) (v128.load offset=0 (local.get $bp))))
    (local.set $x01 (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $bp))))
    (local.set $x10 (f32x4.mul (local.get $c) (v128.load offset=32 (local.get $bp))))
    (local.set $x11 (f32x4.mul (local.get $c) (v128.load offset=48 (local.get $bp))))
    (local.set $x20 (f32x4.mul (local.get $c) (v128.load offset=64 (local.get $bp))))
    (local.set $x21 (f32x4.mul (local.get $c) (v128.load offset=80 (local.get $bp))))
    (local.set $x30 (f32x4.mul (local.get $c) (v128.load offset=96 (local.get $bp))))
    (local.set $x31 (f32x4.mul (local.get $c) (v128.load offset=112 (local.get $bp))))
    (local.set $bp (local.get $sl))
    (local.set $end (i32.add (local.get $sl) (i32.shl (local.get $n) (i32.const 5))))
    (loop $q
      (local.set $b0 (v128.load offset=0 (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $a (v128.load32_splat offset=0 (local.get $ap)))
      (local.set $x00 (f32x4.add (local.get $x00) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $x01 (f32x4.add (local.get $x01) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat offset=4 (local.get $ap)))
      (local.set $x10 (f32x4.add (local.get $x10) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $x11 (f32x4.add (local.get $x11) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat offset=8 (local.get $ap)))
      (local.set $x20 (f32x4.add (local.get $x20) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $x21 (f32x4.add (local.get $x21) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat offset=12 (local.get $ap)))
      (local.set $x30 (f32x4.add (local.get $x30) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $x31 (f32x4.add (local.get $x31) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $q (i32.ne (local.get $bp) (local.get $end))))
    (local.set $o (i32.add (local.get $out)
      (i32.add (i32.mul (local.get $r0) (local.get $p4)) (i32.shl (local.get $col) (i32.const 2)))))
    (v128.store offset=0 (local.get $o) (local.get $x00))
    (v128.store offset=16 (local.get $o) (local.get $x01))
    (local.set $o (i32.add (local.get $o) (local.get $p4)))
    (v128.store offset=0 (local.get $o) (local.get $x10))
    (v128.store offset=16 (local.get $o) (local.get $x11))
    (local.set $o (i32.add (local.get $o) (local.get $p4)))
    (v128.store offset=0 (local.get $o) (local.get $x20))
    (v128.store offset=16 (local.get $o) (local.get $x21))
    (local.set $o (i32.add (local.get $o) (local.get $p4)))
    (v128.store offset=0 (local.get $o) (local.get $x30))
    (v128.store offset=16 (local.get $o) (local.get $x31))
    ;; grad[col..col+7] += dLdh[r] · out[r] for r = r0..r0+3, in row order
    (local.set $o (i32.add (local.get $grad) (i32.shl (local.get $col) (i32.const 2))))
    (local.set $bp (i32.add (local.get $dLdh) (i32.shl (local.get $r0) (i32.const 2))))
    (local.set $g0 (v128.load offset=0 (local.get $o)))
    (local.set $g1 (v128.load offset=16 (local.get $o)))
    (local.set $d (v128.load32_splat offset=0 (local.get $bp)))
    (local.set $g0 (f32x4.add (local.get $g0) (f32x4.mul (local.get $d) (local.get $x00))))
    (local.set $g1 (f32x4.add (local.get $g1) (f32x4.mul (local.get $d) (local.get $x01))))
    (local.set $d (v128.load32_splat offset=4 (local.get $bp)))
    (local.set $g0 (f32x4.add (local.get $g0) (f32x4.mul (local.get $d) (local.get $x10))))
    (local.set $g1 (f32x4.add (local.get $g1) (f32x4.mul (local.get $d) (local.get $x11))))
    (local.set $d (v128.load32_splat offset=8 (local.get $bp)))
    (local.set $g0 (f32x4.add (local.get $g0) (f32x4.mul (local.get $d) (local.get $x20))))
    (local.set $g1 (f32x4.add (local.get $g1) (f32x4.mul (local.get $d) (local.get $x21))))
    (local.set $d (v128.load32_splat offset=12 (local.get $bp)))
    (local.set $g0 (f32x4.add (local.get $g0) (f32x4.mul (local.get $d) (local.get $x30))))
    (local.set $g1 (f32x4.add (local.get $g1) (f32x4.mul (local.get $d) (local.get $x31))))
    (v128.store offset=0 (local.get $o) (local.get $g0))
    (v128.store offset=16 (local.get $o) (local.get $g1)))

  ;; One row r (the n mod 4 rows left over), columns col..col+7; `arow` = A's row r (unpacked).
  (func $mk1
    (param $out i32) (param $p4 i32) (param $arow i32) (param $sl i32) (param $n i32)
    (param $carry f32) (param $dLdh i32) (param $grad i32) (param $r i32) (param $col i32)
    (local $a v128) (local $x0 v128) (local $x1 v128) (local $bp i32) (local $end i32) (local $o i32) (local $d v128)
    (local.set $bp (i32.add (local.get $sl) (i32.shl (local.get $r) (i32.const 5))))
    (local.set $a (f32x4.splat (local.get $carry)))
    (local.set $x0 (f32x4.mul (local.get $a) (v128.load offset=0 (local.get $bp))))
    (local.set $x1 (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $bp))))
    (local.set $bp (local.get $sl))
    (local.set $end (i32.add (local.get $sl) (i32.shl (local.get $n) (i32.const 5))))
    (loop $q
      (local.set $a (v128.load32_splat (local.get $arow)))
      (local.set $x0 (f32x4.add (local.get $x0) (f32x4.mul (local.get $a) (v128.load offset=0 (local.get $bp)))))
      (local.set $x1 (f32x4.add (local.get $x1) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $bp)))))
      (local.set $arow (i32.add (local.get $arow) (i32.const 4)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $q (i32.ne (local.get $bp) (local.get $end))))
    (local.set $o (i32.add (local.get $out)
      (i32.add (i32.mul (local.get $r) (local.get $p4)) (i32.shl (local.get $col) (i32.const 2)))))
    (v128.store offset=0 (local.get $o) (local.get $x0))
    (v128.store offset=16 (local.get $o) (local.get $x1))
    (local.set $o (i32.add (local.get $grad) (i32.shl (local.get $col) (i32.const 2))))
    (local.set $d (v128.load32_splat (i32.add (local.get $dLdh) (i32.shl (local.get $r) (i32.const 2)))))
    (v128.store offset=0 (local.get $o)
      (f32x4.add (v128.load offset=0 (local.get $o)) (f32x4.mul (local.get $d) (local.get $x0))))
    (v128.store offset=16 (local.get $o)
      (f32x4.add (v128.load offset=16 (local.get $o)) (f32x4.mul (local.get $d) (local.get $x1)))))

  ;; One column `col` of every row, scalar, the same operations in the same order as one vector lane.
  ;; Row i's result goes to ob + i·os: out's column (ob = out + 4 col, os = 4p) or, in place, a staging
  ;; column (it reads P[:, col] for every row, so it cannot overwrite that column as it goes).
  (func $denseCol
    (param $P i32) (param $ob i32) (param $os i32) (param $n i32) (param $p4 i32) (param $A i32)
    (param $carry f32) (param $dLdh i32) (param $grad i32) (param $col i32)
    (local $i i32) (local $q i32) (local $acc f32) (local $c4 i32) (local $arow i32) (local $g i32)
    (local.set $c4 (i32.shl (local.get $col) (i32.const 2)))
    (local.set $g (i32.add (local.get $grad) (local.get $c4)))
    (local.set $arow (local.get $A))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (f32.mul (local.get $carry)
          (f32.load (i32.add (local.get $P) (i32.add (i32.mul (local.get $i) (local.get $p4)) (local.get $c4))))))
        (local.set $q (i32.const 0))
        (loop $qs
          (local.set $acc (f32.add (local.get $acc)
            (f32.mul (f32.load (i32.add (local.get $arow) (i32.shl (local.get $q) (i32.const 2))))
                     (f32.load (i32.add (local.get $P) (i32.add (i32.mul (local.get $q) (local.get $p4)) (local.get $c4)))))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br_if $qs (i32.lt_u (local.get $q) (local.get $n))))
        (f32.store (i32.add (local.get $ob) (i32.mul (local.get $i) (local.get $os))) (local.get $acc))
        (f32.store (local.get $g) (f32.add (f32.load (local.get $g))
          (f32.mul (f32.load (i32.add (local.get $dLdh) (i32.shl (local.get $i) (i32.const 2)))) (local.get $acc))))
        (local.set $arow (i32.add (local.get $arow) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; Dense transport of columns [c0, c1), n ≥ 1. `ap` = A packed in 4-row blocks (see above), `A` the
  ;; plain n × n coefficients (for the n mod 4 last rows and the ragged columns), `panel` this thread's
  ;; scratch of n × tile floats; `tile` a multiple of 8.
  ;; In place (out = P): the micro-kernels read only the packed panel, so they may write over the tile
  ;; of P it was packed from (those lines are in cache: no read-for-ownership from memory); a ragged
  ;; column is computed into the panel (free by then) and copied back, since it reads P[:, col] directly.
  (func (export "dense")
    (param $P i32) (param $out i32) (param $n i32) (param $p i32) (param $ap i32) (param $A i32)
    (param $carry f32) (param $dLdh i32) (param $grad i32) (param $panel i32)
    (param $c0 i32) (param $c1 i32) (param $tile i32)
    (local $p4 i32) (local $n32 i32) (local $ct i32) (local $w i32) (local $wv i32) (local $q i32)
    (local $src i32) (local $dst i32) (local $end i32) (local $sl i32) (local $col i32) (local $colEnd i32)
    (local $r i32) (local $apb i32) (local $ip i32) (local $i i32)
    (local.set $ip (i32.eq (local.get $P) (local.get $out)))
    (local.set $p4 (i32.shl (local.get $p) (i32.const 2)))
    (local.set $n32 (i32.shl (local.get $n) (i32.const 5)))
    (memory.fill (i32.add (local.get $grad) (i32.shl (local.get $c0) (i32.const 2)))
                 (i32.const 0) (i32.shl (i32.sub (local.get $c1) (local.get $c0)) (i32.const 2)))
    (local.set $ct (local.get $c0))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $ct) (local.get $c1)))
        (local.set $w (i32.sub (local.get $c1) (local.get $ct)))
        (if (i32.lt_u (local.get $tile) (local.get $w)) (then (local.set $w (local.get $tile))))
        (local.set $wv (i32.and (local.get $w) (i32.const -8)))
        ;; pack P[:, ct : ct+wv] into slivers: panel[(s n + q) 8 + l] = P[q, ct + 8 s + l]
        (local.set $q (i32.const 0))
        (block $packed
          (loop $pq
            (br_if $packed (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $src (i32.add (local.get $P)
              (i32.add (i32.mul (local.get $q) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
            (local.set $end (i32.add (local.get $src) (i32.shl (local.get $wv) (i32.const 2))))
            (local.set $dst (i32.add (local.get $panel) (i32.shl (local.get $q) (i32.const 5))))
            (block $rowDone
              (loop $ps
                (br_if $rowDone (i32.ge_u (local.get $src) (local.get $end)))
                (v128.store offset=0 (local.get $dst) (v128.load offset=0 (local.get $src)))
                (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                (local.set $src (i32.add (local.get $src) (i32.const 32)))
                (local.set $dst (i32.add (local.get $dst) (local.get $n32)))
                (br $ps)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $pq)))
        ;; every sliver: all 4-row blocks, then the rows left over
        (local.set $sl (local.get $panel))
        (local.set $col (local.get $ct))
        (local.set $colEnd (i32.add (local.get $ct) (local.get $wv)))
        (block $slivers
          (loop $s
            (br_if $slivers (i32.ge_u (local.get $col) (local.get $colEnd)))
            (local.set $r (i32.const 0))
            (local.set $apb (local.get $ap))
            (block $blocks
              (loop $rb
                (br_if $blocks (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $n)))
                (call $mk4 (local.get $out) (local.get $p4) (local.get $apb) (local.get $sl) (local.get $n)
                  (local.get $carry) (local.get $dLdh) (local.get $grad) (local.get $r) (local.get $col))
                (local.set $apb (i32.add (local.get $apb) (i32.shl (local.get $n) (i32.const 4))))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $rb)))
            (block $rest
              (loop $r1
                (br_if $rest (i32.ge_u (local.get $r) (local.get $n)))
                (call $mk1 (local.get $out) (local.get $p4)
                  (i32.add (local.get $A) (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 2)))
                  (local.get $sl) (local.get $n)
                  (local.get $carry) (local.get $dLdh) (local.get $grad) (local.get $r) (local.get $col))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $r1)))
            (local.set $sl (i32.add (local.get $sl) (local.get $n32)))
            (local.set $col (i32.add (local.get $col) (i32.const 8)))
            (br $s)))
        ;; the ragged columns of this tile (only the last tile of P has any)
        (local.set $colEnd (i32.add (local.get $ct) (local.get $w)))
        (block $tail
          (loop $tc
            (br_if $tail (i32.ge_u (local.get $col) (local.get $colEnd)))
            (if (local.get $ip)
              (then
                (call $denseCol (local.get $P) (local.get $panel) (i32.const 4) (local.get $n) (local.get $p4) (local.get $A)
                  (local.get $carry) (local.get $dLdh) (local.get $grad) (local.get $col))
                ;; P[i, col] = staged[i]
                (local.set $i (i32.const 0))
                (local.set $dst (i32.add (local.get $P) (i32.shl (local.get $col) (i32.const 2))))
                (block $copied
                  (loop $cp
                    (br_if $copied (i32.ge_u (local.get $i) (local.get $n)))
                    (f32.store (local.get $dst) (f32.load (i32.add (local.get $panel) (i32.shl (local.get $i) (i32.const 2)))))
                    (local.set $dst (i32.add (local.get $dst) (local.get $p4)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $cp))))
              (else
                (call $denseCol (local.get $P)
                  (i32.add (local.get $out) (i32.shl (local.get $col) (i32.const 2))) (local.get $p4)
                  (local.get $n) (local.get $p4) (local.get $A)
                  (local.get $carry) (local.get $dLdh) (local.get $grad) (local.get $col))))
            (local.set $col (i32.add (local.get $col) (i32.const 1)))
            (br $tc)))
        (local.set $ct (i32.add (local.get $ct) (local.get $w)))
        (br $tiles))))

  ;; ---------------------------------------------------------------------------------------------
  ;; Sparse transport (k sources per row). Memory-bound: per row, one pass over a tile of columns for
  ;; each group of 4 sources (out = carry·P_i + Σ_{4} w_j P_{src j}), one per source left over, then
  ;; grad += dLdh_i · out_i while the row's tile is still in L1. A tile of every row of P (n × tile
  ;; floats) fits in L2, so each source row read by several units comes from cache.
  ;; ---------------------------------------------------------------------------------------------

  ;; One column `col` of every row, scalar, the same operations in the same order as one vector lane;
  ;; row i's result goes to ob + i·os (out's column, or in place the tile's staging rows).
  (func $sparseCol
    (param $P i32) (param $ob i32) (param $os i32) (param $n i32) (param $p4 i32) (param $k i32) (param $src i32) (param $cf i32)
    (param $carry f32) (param $dLdh i32) (param $grad i32) (param $col i32)
    (local $i i32) (local $j i32) (local $acc f32) (local $t f32) (local $c4 i32) (local $sb i32) (local $cb i32) (local $d f32)
    (local.set $c4 (i32.shl (local.get $col) (i32.const 2)))
    (local.set $sb (local.get $src))
    (local.set $cb (local.get $cf))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (f32.const 0))
        (if (f32.ne (local.get $carry) (f32.const 0))
          (then
            (local.set $acc (f32.mul (local.get $carry)
              (f32.load (i32.add (local.get $P) (i32.add (i32.mul (local.get $i) (local.get $p4)) (local.get $c4))))))))
        (local.set $j (i32.const 0))
        (block $groupsDone
          (loop $groups
            (br_if $groupsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $k)))
            (local.set $t (f32.mul (f32.load offset=0 (local.get $cb))
              (f32.load (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=0 (local.get $sb)) (local.get $p4)) (local.get $c4))))))
            (local.set $t (f32.add (local.get $t) (f32.mul (f32.load offset=4 (local.get $cb))
              (f32.load (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=4 (local.get $sb)) (local.get $p4)) (local.get $c4)))))))
            (local.set $t (f32.add (local.get $t) (f32.mul (f32.load offset=8 (local.get $cb))
              (f32.load (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=8 (local.get $sb)) (local.get $p4)) (local.get $c4)))))))
            (local.set $t (f32.add (local.get $t) (f32.mul (f32.load offset=12 (local.get $cb))
              (f32.load (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=12 (local.get $sb)) (local.get $p4)) (local.get $c4)))))))
            (local.set $acc (f32.add (local.get $acc) (local.get $t)))
            (local.set $sb (i32.add (local.get $sb) (i32.const 16)))
            (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $groups)))
        (block $restDone
          (loop $rest
            (br_if $restDone (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $acc (f32.add (local.get $acc) (f32.mul (f32.load (local.get $cb))
              (f32.load (i32.add (local.get $P) (i32.add (i32.mul (i32.load (local.get $sb)) (local.get $p4)) (local.get $c4)))))))
            (local.set $sb (i32.add (local.get $sb) (i32.const 4)))
            (local.set $cb (i32.add (local.get $cb) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rest)))
        (f32.store (i32.add (local.get $ob) (i32.mul (local.get $i) (local.get $os))) (local.get $acc))
        (local.set $d (f32.load (i32.add (local.get $dLdh) (i32.shl (local.get $i) (i32.const 2)))))
        (if (f32.ne (local.get $d) (f32.const 0))
          (then
            (f32.store (i32.add (local.get $grad) (local.get $c4))
              (f32.add (f32.load (i32.add (local.get $grad) (local.get $c4))) (f32.mul (local.get $d) (local.get $acc))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; Sparse transport of columns [c0, c1): `src` n × k int32 source rows, `cf` n × k coefficients;
  ;; `tile` a multiple of 8.
  ;; In place (out = P; `scr` this thread's scratch of n × tile floats): a tile's new rows are written to
  ;; the scratch (row stride = the tile's width) while P's tile is only read, then copied over P's tile,
  ;; whose lines are still in cache. Out of place (`scr` unused) they go straight to out, and every store
  ;; to a line not in cache first reads it from memory (write-allocate): in place saves that pass over P.
  (func (export "sparse")
    (param $P i32) (param $out i32) (param $n i32) (param $p i32) (param $k i32) (param $src i32) (param $cf i32)
    (param $carry f32) (param $dLdh i32) (param $grad i32) (param $c0 i32) (param $c1 i32) (param $tile i32)
    (param $scr i32)
    (local $ip i32) (local $ob i32) (local $os i32)
    (local $p4 i32) (local $ct i32) (local $w i32) (local $wb i32) (local $i i32) (local $j i32)
    (local $o i32) (local $pi i32) (local $sb i32) (local $cb i32) (local $v i32) (local $g i32) (local $col i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $c v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $d f32) (local $dv v128)
    (local $acc v128) (local $fused i32) (local $cm v128) (local $zero v128)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $ao i32) (local $ag i32) (local $ap i32)
    (local.set $ip (i32.eq (local.get $P) (local.get $out)))
    (local.set $p4 (i32.shl (local.get $p) (i32.const 2)))
    (local.set $c (f32x4.splat (local.get $carry)))
    ;; carry = 0 (no leak): the carry term is +0 exactly, as in TypeScript (0·P would be -0 or NaN)
    (local.set $cm (if (result v128) (f32.ne (local.get $carry) (f32.const 0))
      (then (v128.const i32x4 -1 -1 -1 -1)) (else (v128.const i32x4 0 0 0 0))))
    (memory.fill (i32.add (local.get $grad) (i32.shl (local.get $c0) (i32.const 2)))
                 (i32.const 0) (i32.shl (i32.sub (local.get $c1) (local.get $c0)) (i32.const 2)))
    (local.set $ct (local.get $c0))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $ct) (local.get $c1)))
        (local.set $w (i32.sub (local.get $c1) (local.get $ct)))
        (if (i32.lt_u (local.get $tile) (local.get $w)) (then (local.set $w (local.get $tile))))
        ;; bytes of the tile done four columns at a time
        (local.set $wb (i32.shl (i32.and (local.get $w) (i32.const -4)) (i32.const 2)))
        (local.set $g (i32.add (local.get $grad) (i32.shl (local.get $ct) (i32.const 2))))
        ;; where row i of this tile's result goes: ob + i·os
        (if (local.get $ip)
          (then
            (local.set $ob (local.get $scr))
            (local.set $os (i32.shl (local.get $w) (i32.const 2))))
          (else
            (local.set $ob (i32.add (local.get $out) (i32.shl (local.get $ct) (i32.const 2))))
            (local.set $os (local.get $p4))))
        (local.set $i (i32.const 0))
        (local.set $sb (local.get $src))
        (local.set $cb (local.get $cf))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $o (i32.add (local.get $ob) (i32.mul (local.get $i) (local.get $os))))
            (local.set $pi (i32.add (local.get $P)
              (i32.add (i32.mul (local.get $i) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
            (local.set $j (i32.const 0))
            (local.set $v (i32.const 0))
            (local.set $fused (i32.const 0))
            (if (i32.ge_u (local.get $k) (i32.const 4))
              (then
                ;; out = carry·P_i + (((w0 x0 + w1 x1) + w2 x2) + w3 x3)
                (local.set $r0 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=0 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $r1 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=4 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $r2 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=8 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $r3 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=12 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $w0 (v128.load32_splat offset=0 (local.get $cb)))
                (local.set $w1 (v128.load32_splat offset=4 (local.get $cb)))
                (local.set $w2 (v128.load32_splat offset=8 (local.get $cb)))
                (local.set $w3 (v128.load32_splat offset=12 (local.get $cb)))
                (local.set $d (f32.load (i32.add (local.get $dLdh) (i32.shl (local.get $i) (i32.const 2)))))
                (if (i32.and (i32.eq (local.get $k) (i32.const 4)) (f32.ne (local.get $d) (f32.const 0)))
                  (then
                    ;; k = 4 (the usual sparse case): the row is done in this one pass, so g is summed
                    ;; in it too, saving a second pass over the row's tile
                    (local.set $dv (f32x4.splat (local.get $d)))
                    (local.set $fused (i32.const 1))
                    ;; two vectors per iteration (their loads share one address: offsets 0 and 16), with
                    ;; the carry term left out when carry = 0 (the leak-free RNN); the loop after it
                    ;; finishes a tile whose width is not a multiple of 8
                    (if (f32.eq (local.get $carry) (f32.const 0))
                      (then
                    (block $e2 (loop $l2
                      (br_if $e2 (i32.gt_u (i32.add (local.get $v) (i32.const 32)) (local.get $wb)))
                      (local.set $a0 (i32.add (local.get $r0) (local.get $v)))
                      (local.set $a1 (i32.add (local.get $r1) (local.get $v)))
                      (local.set $a2 (i32.add (local.get $r2) (local.get $v)))
                      (local.set $a3 (i32.add (local.get $r3) (local.get $v)))
                      (local.set $ao (i32.add (local.get $o) (local.get $v)))
                      (local.set $ag (i32.add (local.get $g) (local.get $v)))
                      (local.set $acc (f32x4.add (local.get $zero)
                          (f32x4.add
                            (f32x4.add
                              (f32x4.add
                                (f32x4.mul (local.get $w0) (v128.load offset=0 (local.get $a0)))
                                (f32x4.mul (local.get $w1) (v128.load offset=0 (local.get $a1))))
                              (f32x4.mul (local.get $w2) (v128.load offset=0 (local.get $a2))))
                            (f32x4.mul (local.get $w3) (v128.load offset=0 (local.get $a3))))))
                      (v128.store offset=0 (local.get $ao) (local.get $acc))
                      (v128.store offset=0 (local.get $ag) (f32x4.add (v128.load offset=0 (local.get $ag)) (f32x4.mul (local.get $dv) (local.get $acc))))
                      (local.set $acc (f32x4.add (local.get $zero)
                          (f32x4.add
                            (f32x4.add
                              (f32x4.add
                                (f32x4.mul (local.get $w0) (v128.load offset=16 (local.get $a0)))
                                (f32x4.mul (local.get $w1) (v128.load offset=16 (local.get $a1))))
                              (f32x4.mul (local.get $w2) (v128.load offset=16 (local.get $a2))))
                            (f32x4.mul (local.get $w3) (v128.load offset=16 (local.get $a3))))))
                      (v128.store offset=16 (local.get $ao) (local.get $acc))
                      (v128.store offset=16 (local.get $ag) (f32x4.add (v128.load offset=16 (local.get $ag)) (f32x4.mul (local.get $dv) (local.get $acc))))
                      (local.set $v (i32.add (local.get $v) (i32.const 32)))
                      (br $l2))))
                      (else
                    (block $e2 (loop $l2
                      (br_if $e2 (i32.gt_u (i32.add (local.get $v) (i32.const 32)) (local.get $wb)))
                      (local.set $a0 (i32.add (local.get $r0) (local.get $v)))
                      (local.set $a1 (i32.add (local.get $r1) (local.get $v)))
                      (local.set $a2 (i32.add (local.get $r2) (local.get $v)))
                      (local.set $a3 (i32.add (local.get $r3) (local.get $v)))
                      (local.set $ao (i32.add (local.get $o) (local.get $v)))
                      (local.set $ag (i32.add (local.get $g) (local.get $v)))
                      (local.set $ap (i32.add (local.get $pi) (local.get $v)))
                      (local.set $acc (f32x4.add (f32x4.mul (local.get $c) (v128.load offset=0 (local.get $ap)))
                          (f32x4.add
                            (f32x4.add
                              (f32x4.add
                                (f32x4.mul (local.get $w0) (v128.load offset=0 (local.get $a0)))
                                (f32x4.mul (local.get $w1) (v128.load offset=0 (local.get $a1))))
                              (f32x4.mul (local.get $w2) (v128.load offset=0 (local.get $a2))))
                            (f32x4.mul (local.get $w3) (v128.load offset=0 (local.get $a3))))))
                      (v128.store offset=0 (local.get $ao) (local.get $acc))
                      (v128.store offset=0 (local.get $ag) (f32x4.add (v128.load offset=0 (local.get $ag)) (f32x4.mul (local.get $dv) (local.get $acc))))
                      (local.set $acc (f32x4.add (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $ap)))
                          (f32x4.add
                            (f32x4.add
                              (f32x4.add
                                (f32x4.mul (local.get $w0) (v128.load offset=16 (local.get $a0)))
                                (f32x4.mul (local.get $w1) (v128.load offset=16 (local.get $a1))))
                              (f32x4.mul (local.get $w2) (v128.load offset=16 (local.get $a2))))
                            (f32x4.mul (local.get $w3) (v128.load offset=16 (local.get $a3))))))
                      (v128.store offset=16 (local.get $ao) (local.get $acc))
                      (v128.store offset=16 (local.get $ag) (f32x4.add (v128.load offset=16 (local.get $ag)) (f32x4.mul (local.get $dv) (local.get $acc))))
                      (local.set $v (i32.add (local.get $v) (i32.const 32)))
                      (br $l2)))))
                    (block $e (loop $l
                      (br_if $e (i32.ge_u (local.get $v) (local.get $wb)))
                      (local.set $acc
                        (f32x4.add
                          (v128.and (local.get $cm) (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $pi) (local.get $v)))))
                          (f32x4.add
                            (f32x4.add
                              (f32x4.add
                                (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $r0) (local.get $v))))
                                (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $r1) (local.get $v)))))
                              (f32x4.mul (local.get $w2) (v128.load (i32.add (local.get $r2) (local.get $v)))))
                            (f32x4.mul (local.get $w3) (v128.load (i32.add (local.get $r3) (local.get $v)))))))
                      (v128.store (i32.add (local.get $o) (local.get $v)) (local.get $acc))
                      (v128.store (i32.add (local.get $g) (local.get $v))
                        (f32x4.add
                          (v128.load (i32.add (local.get $g) (local.get $v)))
                          (f32x4.mul (local.get $dv) (local.get $acc))))
                      (local.set $v (i32.add (local.get $v) (i32.const 16)))
                      (br $l)))))
                (block $e (loop $l
                  (br_if $e (i32.ge_u (local.get $v) (local.get $wb)))
                  (v128.store (i32.add (local.get $o) (local.get $v))
                    (f32x4.add
                      (v128.and (local.get $cm) (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $pi) (local.get $v)))))
                      (f32x4.add
                        (f32x4.add
                          (f32x4.add
                            (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $r0) (local.get $v))))
                            (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $r1) (local.get $v)))))
                          (f32x4.mul (local.get $w2) (v128.load (i32.add (local.get $r2) (local.get $v)))))
                        (f32x4.mul (local.get $w3) (v128.load (i32.add (local.get $r3) (local.get $v)))))))
                  (local.set $v (i32.add (local.get $v) (i32.const 16)))
                  (br $l)))
                (local.set $sb (i32.add (local.get $sb) (i32.const 16)))
                (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
                (local.set $j (i32.const 4)))
              (else
                ;; out = carry·P_i
                (block $e (loop $l
                  (br_if $e (i32.ge_u (local.get $v) (local.get $wb)))
                  (v128.store (i32.add (local.get $o) (local.get $v))
                    (v128.and (local.get $cm) (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $pi) (local.get $v))))))
                  (local.set $v (i32.add (local.get $v) (i32.const 16)))
                  (br $l)))))
            ;; further groups of 4 sources: out += (((w0 x0 + w1 x1) + w2 x2) + w3 x3)
            (block $groupsDone
              (loop $groups
                (br_if $groupsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $k)))
                (local.set $r0 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=0 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $r1 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=4 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $r2 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=8 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $r3 (i32.add (local.get $P) (i32.add (i32.mul (i32.load offset=12 (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $w0 (v128.load32_splat offset=0 (local.get $cb)))
                (local.set $w1 (v128.load32_splat offset=4 (local.get $cb)))
                (local.set $w2 (v128.load32_splat offset=8 (local.get $cb)))
                (local.set $w3 (v128.load32_splat offset=12 (local.get $cb)))
                (local.set $v (i32.const 0))
                (block $e (loop $l
                  (br_if $e (i32.ge_u (local.get $v) (local.get $wb)))
                  (v128.store (i32.add (local.get $o) (local.get $v))
                    (f32x4.add
                      (v128.load (i32.add (local.get $o) (local.get $v)))
                      (f32x4.add
                        (f32x4.add
                          (f32x4.add
                            (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $r0) (local.get $v))))
                            (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $r1) (local.get $v)))))
                          (f32x4.mul (local.get $w2) (v128.load (i32.add (local.get $r2) (local.get $v)))))
                        (f32x4.mul (local.get $w3) (v128.load (i32.add (local.get $r3) (local.get $v)))))))
                  (local.set $v (i32.add (local.get $v) (i32.const 16)))
                  (br $l)))
                (local.set $sb (i32.add (local.get $sb) (i32.const 16)))
                (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $groups)))
            ;; the k mod 4 sources left: out += w x, one at a time
            (block $restDone
              (loop $rest
                (br_if $restDone (i32.ge_u (local.get $j) (local.get $k)))
                (local.set $r0 (i32.add (local.get $P) (i32.add (i32.mul (i32.load (local.get $sb)) (local.get $p4)) (i32.shl (local.get $ct) (i32.const 2)))))
                (local.set $w0 (v128.load32_splat (local.get $cb)))
                (local.set $v (i32.const 0))
                (block $e (loop $l
                  (br_if $e (i32.ge_u (local.get $v) (local.get $wb)))
                  (v128.store (i32.add (local.get $o) (local.get $v))
                    (f32x4.add
                      (v128.load (i32.add (local.get $o) (local.get $v)))
                      (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $r0) (local.get $v))))))
                  (local.set $v (i32.add (local.get $v) (i32.const 16)))
                  (br $l)))
                (local.set $sb (i32.add (local.get $sb) (i32.const 4)))
                (local.set $cb (i32.add (local.get $cb) (i32.const 4)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $rest)))
            ;; grad[tile] += dLdh_i · out_i (rows in order; skipped when dLdh_i = 0, as in TypeScript)
            (local.set $d (f32.load (i32.add (local.get $dLdh) (i32.shl (local.get $i) (i32.const 2)))))
            (if (i32.and (f32.ne (local.get $d) (f32.const 0)) (i32.eqz (local.get $fused)))
              (then
                (local.set $dv (f32x4.splat (local.get $d)))
                (local.set $v (i32.const 0))
                (block $e (loop $l
                  (br_if $e (i32.ge_u (local.get $v) (local.get $wb)))
                  (v128.store (i32.add (local.get $g) (local.get $v))
                    (f32x4.add
                      (v128.load (i32.add (local.get $g) (local.get $v)))
                      (f32x4.mul (local.get $dv) (v128.load (i32.add (local.get $o) (local.get $v))))))
                  (local.set $v (i32.add (local.get $v) (i32.const 16)))
                  (br $l)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        ;; the ragged columns of this tile (only the last tile of P has any)
        (local.set $col (i32.add (local.get $ct) (i32.shr_u (local.get $wb) (i32.const 2))))
        (block $tail
          (loop $tc
            (br_if $tail (i32.ge_u (local.get $col) (i32.add (local.get $ct) (local.get $w))))
            (call $sparseCol (local.get $P)
              (i32.add (local.get $ob) (i32.shl (i32.sub (local.get $col) (local.get $ct)) (i32.const 2))) (local.get $os)
              (local.get $n) (local.get $p4) (local.get $k)
              (local.get $src) (local.get $cf) (local.get $carry) (local.get $dLdh) (local.get $grad) (local.get $col))
            (local.set $col (i32.add (local.get $col) (i32.const 1)))
            (br $tc)))
        ;; in place: P[i, ct : ct+w] = staged row i (native memmove; P's tile is still in cache)
        (if (local.get $ip)
          (then
            (local.set $i (i32.const 0))
            (local.set $pi (i32.add (local.get $P) (i32.shl (local.get $ct) (i32.const 2))))
            (local.set $o (local.get $scr))
            (block $copied
              (loop $cp
                (br_if $copied (i32.ge_u (local.get $i) (local.get $n)))
                (memory.copy (local.get $pi) (local.get $o) (local.get $os))
                (local.set $pi (i32.add (local.get $pi) (local.get $p4)))
                (local.set $o (i32.add (local.get $o) (local.get $os)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $cp)))))
        (local.set $ct (i32.add (local.get $ct) (local.get $w)))
        (br $tiles))))
)
