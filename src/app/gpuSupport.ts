/**
 * What the app can run on the WebGPU engine, read from the methods' registry (engine/methods: each method
 * names the models the GPU engine runs it for), so that an arm or a model added to the GPU engine follows
 * here without an edit: the worker's choice of engine, its one-line refusals, and the Backend control's hint.
 * The one fact the registry cannot give is which models the app's GPU live run has a batch for.
 */
import { methodLabel, runsOnGpu } from '../engine/methods';
import type { ModelKind } from '../engine/models';
import type { LabParams, ModelName } from './labParams';
import { armMethod, type ArmId } from './worker/liveEngine';

/** The arms every live run has (liveRun.ts): every one must run on the GPU for a run to go there, except a host arm. */
export const LIVE_ARMS: readonly ArmId[] = ['frozen', 'full', 'k0', 'k', 'readout'];

/** The live arms of a run of `p`: every run's, then the baselines the user added. */
function liveArmsOf(p: LabParams): ArmId[] {
  return [...LIVE_ARMS, ...(p.baselines ?? [])];
}

/**
 * Arms the GPU live run may step on the CPU beside its lanes when the registry gives them no GPU lane for
 * the model: readout-only costs a forward pass and the readout's gradient per step (no transport), small
 * beside the lanes, so the floor of recovery beyond the readout need not send the whole run to the CPU.
 */
const HOST_ARMS: readonly ArmId[] = ['readout'];

/** Models the app's GPU live run (gpuLiveRun.ts) has a batch for: GpuBatch runs the RNN, LstmBatch the LSTM. */
export const GPU_LIVE_MODELS: readonly ModelName[] = ['rnn', 'lstm'];

const MODEL_TEXT: Record<ModelName, string> = { rnn: 'RNN', lstm: 'LSTM', transformer: 'transformer' };

/** The live arms of `p` (its k included) the GPU engine does not run for its model, per the registry. */
function armsOffGpu(p: LabParams): ArmId[] {
  return liveArmsOf(p).filter((id) => !runsOnGpu(armMethod(p, id), p.model as ModelKind));
}

/** The live arms a GPU run of `p` steps on the CPU beside its lanes (the GPU engine has no lane for them). */
export function gpuHostArms(p: LabParams): ArmId[] {
  return armsOffGpu(p).filter((id) => HOST_ARMS.includes(id));
}

/** The live arms that keep a run of `p` off the GPU: not run there and not cheap enough to host on the CPU. */
function blockingArms(p: LabParams): string[] {
  return armsOffGpu(p)
    .filter((id) => !HOST_ARMS.includes(id))
    .map((id) => methodLabel(armMethod(p, id)));
}

/** Why a run of these settings stays on the CPU engine whatever the backend (null: the GPU can run it). */
export function gpuRefusal(p: LabParams): string | null {
  const model = MODEL_TEXT[p.model];
  if (p.model === 'transformer') return `the WebGPU engine has no transformer kernels, so the ${model} runs on the CPU engine`;
  const off = blockingArms(p);
  if (off.length === liveArmsOf(p).filter((id) => !HOST_ARMS.includes(id)).length)
    return `the WebGPU engine runs none of the live arms for the ${model}, so the ${model} runs on the CPU engine`;
  if (off.length > 0) return `the WebGPU engine does not run ${off.join(', ')} for the ${model}, so the run stays on the CPU engine`;
  if (!GPU_LIVE_MODELS.includes(p.model)) return `the app's GPU live run has no ${model} batch yet, so the ${model} runs on the CPU engine`;
  return null;
}

/** The models whose live runs go to the GPU (every live arm on the GPU engine, a live batch in the app). */
export function gpuModels(): ModelName[] {
  return (['rnn', 'lstm', 'transformer'] as const).filter(
    (model) => gpuRefusal({ model, k: 4, strategy: 'random', refresh: 0, rescale: false } as LabParams) === null,
  );
}

/** The Backend control's hint: what runs on the GPU and what stays on the CPU, as the registry says. */
export function backendHint(): string {
  const on = gpuModels();
  const off = (['rnn', 'lstm', 'transformer'] as const).filter((m) => !on.includes(m));
  const names = (ms: readonly ModelName[]) => ms.map((m) => `the ${MODEL_TEXT[m]}`).join(' and ');
  const hosted = on.filter((m) => gpuHostArms({ model: m, k: 4, strategy: 'random', refresh: 0, rescale: false } as LabParams).length > 0);
  const every = hosted.length > 0 ? `every arm; for ${names(hosted)} readout-only steps on the CPU beside the lanes` : 'every arm';
  const gpu = on.length > 0 ? `GPU: WebGPU whenever it works, for ${names(on)} (${every})` : 'GPU: no model runs on WebGPU yet';
  return `auto: WebGPU on a hardware adapter, else the CPU; ${gpu}${off.length > 0 ? `; ${names(off)} run${off.length === 1 ? 's' : ''} on the CPU` : ''}`;
}
