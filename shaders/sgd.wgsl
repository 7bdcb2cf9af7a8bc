// SGD update of one lane's parameters [θ; V, c]: w <- w - lr · scale · g (optimizer.ts), only on steps
// with an error signal, for lanes that have not diverged. Sizes, records and helpers: the preamble.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let e = gid.x;
  let lane = wid.z;
  if (e >= STRIDE) { return; }
  let t = atomicLoad(&ctl[CTL_STEP]);
  let hasError = (u32(streams[recordOf(lanes[lane].stream, t) + SS_FLAGS]) & FLAG_ERROR) != 0u;
  let cb = ctlOf(lane);
  if (!hasError || atomicLoad(&ctl[cb + CTL_DIVERGED]) != 0u || atomicLoad(&ctl[cb + CTL_FAULT]) != 0u) { return; }
  let sb = lane * ST;
  if (state[sb + ST_FINITE] == 0.0) { atomicStore(&ctl[cb + CTL_FAULT], 1u); return; }
  let w = params[lane * STRIDE + e] - (hyper.lr * state[sb + ST_CLIP]) * grad[lane * STRIDE + e];
  params[lane * STRIDE + e] = w;
  if (nonFinite(w)) { atomicStore(&ctl[cb + CTL_FAULT], 1u); }
}
