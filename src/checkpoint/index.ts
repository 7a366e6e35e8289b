// Checkpoints in the safetensors format.
export {
  saveCheckpoint, loadCheckpoint, readCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  type SaveCheckpointOptions, type LoadCheckpointOptions, type CheckpointContents, type CheckpointableOptimizer, type Stateful,
} from './checkpoint';
export { encodeSafetensors, decodeSafetensors, type F32Tensor, type SafetensorsContents } from './safetensors';
export { crc32 } from './crc32';
