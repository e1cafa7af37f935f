export {
  Module,
  type AnyModule,
  type ArenaSlot,
  type ParameterArena,
  type ForwardHook,
  type ForwardHookOptions,
  type HookHandle,
  type StateDict,
  type TensorData,
  type LoadStateDictOptions,
  type LoadStateDictResult,
} from './module.js';
export {
  SafetensorsError,
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  loadSafetensors,
  tensorEntry,
  entryTensor,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SaveSafetensorsOptions,
  type LoadSafetensorsOptions,
} from './safetensors.js';
export { manualSeed, type RandomOptions, type LayerInitOptions } from './layer-options.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { MaxPool2d, AvgPool2d, type Pool2dLayerOptions } from './pooling.js';
export { Flatten } from './flatten.js';
export { Dropout } from './dropout.js';
export {
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  Tanh,
  Sigmoid,
  Softplus,
  Softsign,
  Identity,
  activation,
  type ActivationName,
} from './activations.js';
export { LayerNorm, type LayerNormOptions } from './layer-norm.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './batch-norm.js';
export {
  RNN,
  LSTM,
  GRU,
  type RecurrentOptions,
  type RecurrentState,
  type RecurrentOutput,
  type RecurrentLayerParams,
} from './recurrent.js';
export { Embedding } from './embedding.js';
export { Sequential, type TensorModule } from './sequential.js';
export { Residual } from './residual.js';
export { mlp, type MlpOptions } from './mlp.js';
export {
  crossEntropy,
  nllLoss,
  mse,
  bceWithLogits,
  huber,
  type Reduction,
  type ClassTargets,
  type CrossEntropyOptions,
  type NllLossOptions,
  type ReductionOptions,
  type BceWithLogitsOptions,
  type HuberOptions,
} from './losses.js';
export { RMSNorm, type RMSNormOptions } from './rms-norm.js';
export {
  MultiheadAttention,
  type MultiheadAttentionOptions,
  type MultiheadAttentionCall,
} from './multihead-attention.js';
export {
  TransformerBlock,
  type TransformerBlockOptions,
  type NormPlacement,
  type TransformerNorm,
} from './transformer-block.js';
export { GPT, TransformerStack, gpt, type GptOptions } from './gpt.js';
