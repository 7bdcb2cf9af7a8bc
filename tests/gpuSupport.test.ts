/** The app's GPU choice with a readout-only arm: the registry decides what is a lane; readout-only may step on the CPU beside the lanes. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, type LabParams } from '../src/app/labParams';
import { backendHint, gpuHostArms, gpuRefusal, LIVE_ARMS } from '../src/app/gpuSupport';
import { armMethod } from '../src/app/worker/liveEngine';
import { runsOnGpu } from '../src/engine/methods';

const params = (o: Partial<LabParams> = {}): LabParams => ({ ...DEFAULT_PARAMS, n: 8, k: 2, ...o });

describe('gpuSupport with readout-only', () => {
  it('lists readout-only among the live arms', () => {
    expect(LIVE_ARMS).toContain('readout');
    expect(armMethod(params(), 'readout')).toEqual({ kind: 'readout' });
  });

  for (const model of ['rnn', 'lstm'] as const) {
    it(`${model}: readout-only is a lane where the registry runs it on the GPU, else it steps on the CPU beside the lanes; it never refuses the run`, () => {
      const onGpu = runsOnGpu({ kind: 'readout' }, model);
      expect(gpuHostArms(params({ model }))).toEqual(onGpu ? [] : ['readout']);
      // the other live arms decide the refusal, as before readout-only existed
      const others = (['frozen', 'full', 'k0', 'k'] as const).every((id) => runsOnGpu(armMethod(params({ model }), id), model));
      expect(gpuRefusal(params({ model })) === null).toBe(others);
    });
  }

  it('the Backend hint says where readout-only steps when it is not a lane', () => {
    const hosted = (['rnn', 'lstm'] as const).filter((m) => gpuHostArms(params({ model: m })).length > 0 && gpuRefusal(params({ model: m })) === null);
    if (hosted.length > 0) expect(backendHint()).toContain('readout-only steps on the CPU beside the lanes');
    else expect(backendHint()).toContain('(every arm)');
  });
});
