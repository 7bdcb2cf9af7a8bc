/** One colour per arm, shared by every panel, chosen to stay apart on a projector and for common colour-vision deficiencies. */
import type { ArmId } from '../app/liveRun';

export const ARM_COLORS: Record<ArmId, string> = {
  frozen: '#7a7f87',
  full: '#1f4e9c',
  k0: '#9b3fb5',
  k: '#d9660b',
};
