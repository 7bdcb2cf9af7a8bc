/**
 * The GPU layout has one home: no shader or shared snippet restates the preamble (sizes, struct Lane,
 * helpers, the reduction) or its bindings (generated from the kernel descriptor), and a kernel file that
 * does not fit its descriptor (with the snippets it includes) is refused naming the kernel and binding;
 * snippets are included once each, in order; carry-over through snapshot()/restore() continues a batch exactly, with the
 * optimizer reset only where asked.
 */
import { describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import type { LearningMethod } from '../../src/engine/methods';
import { initRnn, type RnnShape } from '../../src/engine/models/rnn';
import { Rng } from '../../src/engine/rng';
import { allocateSequence, type Sequence } from '../../src/engine/tasks/task';
import { selectPaths } from '../../src/engine/transportMask';
import { GpuBatch, type GpuContext, type LaneSpec } from '../../src/gpu/batch';
import { GpuError } from '../../src/gpu/errors';
import { checkBindings } from '../../src/gpu/kernels';
import { WGSL_PREAMBLE, wgslBindings } from '../../src/gpu/layout';
import { kernelParts, kernelSource, loadShaderSources, SHADER_NAMES, SNIPPET_FILES, type ShaderName } from '../../src/gpu/shaderSources';
import { METRIC_KERNELS, STEP_KERNELS } from '../../src/gpu/gpuModels';
import { BENCH_KERNELS, shadersOf } from '../../src/gpu/stepKernels';
import { expectCarryOver } from './compare';
import { deviceForFile } from './gpuHarness';

describe('one layout, one preamble', () => {
  it('no shader restates a size override, struct Lane, a helper or the workgroup reduction', async () => {
    const sources = await loadShaderSources();
    const restated = [
      /@binding\(/,
      /override\s+(N|M|O|T|B|LEAK|WG|NP|NR|STRIDE|SS|ST|GT|GR)\s*:/,
      /struct\s+Lane\b/,
      /struct\s+Hyper\b/,
      /fn\s+(nonFinite|isNan|nan|workgroupSum)\b/,
      /for \(var w = WG \/ 2u/,
    ];
    for (const name of [...SHADER_NAMES, ...SNIPPET_FILES]) for (const re of restated) expect(re.test(sources[name]), `${name}.wgsl matches ${re}`).toBe(false);
    for (const re of restated.slice(1)) expect(re.test(WGSL_PREAMBLE), `the preamble has ${re}`).toBe(true);
  });

  it('every kernel descriptor fits its shader: no binding declared in the file, every bound buffer used', async () => {
    const sources = await loadShaderSources();
    const covered = new Set<ShaderName>();
    for (const spec of [...STEP_KERNELS, ...METRIC_KERNELS, ...BENCH_KERNELS]) {
      for (const shader of shadersOf(spec)) {
        expect(() => checkBindings(spec.name, shader, kernelSource(shader, sources), spec.bindings)).not.toThrow();
        covered.add(shader);
      }
    }
    expect([...covered].sort()).toEqual([...SHADER_NAMES].sort());
    // the generated declarations: binding order, access and element type
    const bindings = { pIn: 'read', ctl: 'read', lanes: 'read', hyper: 'read', pOut: 'write' } as const;
    const f32 = wgslBindings(bindings);
    expect(f32.slice(0, f32.indexOf('fn '))).toBe(
      '@group(0) @binding(0) var<storage, read> pIn: array<f32>;\n' +
        '@group(0) @binding(1) var<storage, read_write> ctl: array<atomic<u32>>;\n' +
        '@group(0) @binding(2) var<storage, read> lanes: array<Lane>;\n' +
        '@group(0) @binding(3) var<uniform> hyper: Hyper;\n' +
        '@group(0) @binding(4) var<storage, read_write> pOut: array<f32>;\n',
    );
    // then P's accessors (layout.ts pAccessors): f32 entries, or halves two to a word with whole-word stores only
    expect(f32).toContain('fn pInAt(i: u32) -> f32 { return pIn[i]; }');
    expect(f32).toContain('fn pOutSet(i: u32, v: f32) { pOut[i] = v; }');
    const f16 = wgslBindings(bindings, { pOut: 'array<vec4f>' }, 'f16');
    expect(f16).toContain('var<storage, read> pIn: array<u32>;');
    expect(f16).toContain('var<storage, read_write> pOut: array<vec2u>;');
    expect(f16).toContain('fn pInAt(i: u32) -> f32 { return unpack2x16float(pIn[i >> 1u])[i & 1u]; }');
    expect(f16).toContain('fn pOutSet(e: u32, v: vec4f) { pOut[e] = vec2u(pack2x16float(v.xy), pack2x16float(v.zw)); }');
    expect(f16).not.toContain('fn pInSet');
  });

  it('a kernel file that declares its own binding, or does not use a bound buffer, is refused with kernel and binding named', async () => {
    const sources = await loadShaderSources();
    const own = '@group(0) @binding(0) var<storage, read> pCur: array<f32>;\n' + sources.gram;
    expect(() => checkBindings('gram', 'gram', own, { pCur: 'read', grams: 'write' })).toThrow(GpuError);
    expect(() => checkBindings('gram', 'gram', own, { pCur: 'read', grams: 'write' })).toThrow("kernel 'gram' (gram.wgsl): declares binding 0 'pCur' itself");
    expect(() => checkBindings('gram', 'gram', sources.gram, { pCur: 'read', grams: 'write', norms: 'write' })).toThrow(
      "kernel 'gram' (gram.wgsl): binding 2 'norms' is bound by the descriptor but never used by the shader",
    );
  });

  it('snippets are included by marker line, each once, after the snippets they include; every snippet is used', async () => {
    const sources = await loadShaderSources();
    // forwardStep includes laneStep, settle and rowDot, so they come first; readoutTail's laneStep is not
    // repeated; the kernel file last, unchanged
    expect(kernelParts('forward', sources).map((p) => p.file)).toEqual([
      'common/laneStep.wgsl',
      'common/settle.wgsl',
      'common/rowDot.wgsl',
      'common/forwardStep.wgsl',
      'common/readoutTail.wgsl',
      'forward.wgsl',
    ]);
    expect(kernelParts('forward', sources).at(-1)?.text).toBe(sources.forward);
    expect(kernelParts('gram', sources).map((p) => p.file)).toEqual(['gram.wgsl']);
    // two snippets that both include laneStep: it comes once
    const twice = { ...sources, sparseTransport: `//! include readoutTail\n${sources.sparseTransport}` };
    expect(kernelParts('sparseTransport', twice).filter((p) => p.file === 'common/laneStep.wgsl')).toHaveLength(1);
    const used = new Set(SHADER_NAMES.flatMap((n) => kernelParts(n, sources).map((p) => p.file)));
    for (const file of SNIPPET_FILES) expect(used.has(`${file}.wgsl`), `${file}.wgsl is included by no kernel`).toBe(true);
  });

  it('an include of an unknown snippet, or a cycle, is refused naming the file', async () => {
    const sources = await loadShaderSources();
    expect(() => kernelParts('gram', { ...sources, gram: `//! include nowhere\n${sources.gram}` })).toThrow(
      "gram.wgsl includes 'nowhere', which is not a snippet of shaders/common/",
    );
    const cycle = { ...sources, 'common/laneStep': `//! include readoutTail\n${sources['common/laneStep']}` };
    // forward reaches laneStep first through forwardStep, then readoutTail, which includes laneStep back
    expect(() => kernelParts('forward', cycle)).toThrow("common/readoutTail.wgsl includes 'laneStep', which includes it back");
  });
});

describe('carry-over: snapshot() and restore()', () => {
  let ctx: GpuContext;
  deviceForFile((c) => (ctx = c));

  const shape: RnnShape = { n: 6, m: 1, o: 1, leak: 0.7 };
  // the TBPTT lane carries its window of recent steps over too
  const methods: LearningMethod[] = [{ kind: 'frozen' }, { kind: 'full' }, sparseArm(2, 'random'), sparseArm(3, 'random', 5), { kind: 'tbptt', truncation: 3 }];
  const optimizer = { kind: 'adam' as const, lr: 1e-2, clipNorm: 0 };

  function stream(steps: number, from = 0): Sequence {
    const seq = allocateSequence(steps, 1, 1);
    const r = new Rng(3);
    for (let t = 0; t < from + steps; t++) {
      const x = r.normal();
      const y = Math.sin(0.2 * t);
      if (t < from) continue;
      seq.x[t - from] = x;
      seq.y[t - from] = y;
      seq.errorMask[t - from] = t % 3 === 2 ? 0 : 1;
    }
    return seq;
  }

  function lanes(): LaneSpec[] {
    const params = initRnn(shape, new Rng(1));
    return methods.map((method) => {
      let sources: Int32Array | undefined;
      if (method.kind === 'sparse') {
        sources = new Int32Array(shape.n * method.k);
        selectPaths(method.strategy, params.theta, shape.n, method.k, new Rng(2), sources);
      }
      return { method, params, sources, selectionRng: new Rng(4), stream: 0 };
    });
  }

  it('6 steps, snapshot, restore into a new batch, 4 more: the losses of one 10-step batch, bit for bit', async () => {
    // the second batch reuses the first's lane specs, so the refreshing lane's selection stream carries on
    const specs = lanes();
    await expectCarryOver(stream(10), 6, (part, label) => GpuBatch.create(ctx, shape, [part], label === 'whole' ? lanes() : specs, { optimizer, label }), {
      onSnapshot: (snap, first) => {
        expect(snap.t).toBe(6);
        // the sparse lane with refreshEvery 5 redrew its selection at step 5: the snapshot carries the new one
        expect(first.selectionsDrawn[3]).toBe(2);
      },
    });
  });

  it('resetOptimizer zeroes that lane’s Adam moments and step count, and only that lane’s', async () => {
    const first = await GpuBatch.create(ctx, shape, [stream(8)], lanes(), { optimizer, label: 'first' });
    const second = await GpuBatch.create(ctx, shape, [stream(8, 8)], lanes(), { optimizer, label: 'second' });
    try {
      await first.advance(8);
      const snap = await first.snapshot();
      second.restore(snap, { resetOptimizer: [2] });
      const again = await second.snapshot();
      expect(snap.lanes[2].updates).toBeGreaterThan(0);
      expect(again.lanes[2].updates).toBe(0);
      expect(Array.from(again.lanes[2].moments!.m).every((x) => x === 0)).toBe(true);
      expect(Array.from(again.lanes[2].moments!.v).every((x) => x === 0)).toBe(true);
      for (const a of [1, 3]) {
        expect(again.lanes[a].updates).toBe(snap.lanes[a].updates);
        expect(Array.from(again.lanes[a].moments!.v)).toEqual(Array.from(snap.lanes[a].moments!.v));
        expect(Array.from(again.lanes[a].P!)).toEqual(Array.from(snap.lanes[a].P!));
      }
      expect(again.lanes[0].moments).toBeNull();
      expect(Array.from(again.lanes[2].theta)).toEqual(Array.from(snap.lanes[2].theta));
    } finally {
      first.destroy();
      second.destroy();
    }
  });
});
