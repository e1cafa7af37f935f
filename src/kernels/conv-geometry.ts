import { ConfigError, ShapeError, fmt } from '../errors.js';

/**
 * What {@link convGeometry} needs: one NCHW image and a kernel window (stride, padding, dilation
 * default to 1, 0, 1).
 * @example const opts: ConvGeometryOptions = { channels: 3, height: 32, width: 32, kernelH: 3, kernelW: 3, padH: 1, padW: 1 };
 */
export interface ConvGeometryOptions {
  /** Input channels C. */
  readonly channels: number;
  /** Input height H. */
  readonly height: number;
  /** Input width W. */
  readonly width: number;
  /** Kernel height kh. */
  readonly kernelH: number;
  /** Kernel width kw. */
  readonly kernelW: number;
  /** Vertical stride sh (default 1). */
  readonly strideH?: number;
  /** Horizontal stride sw (default 1). */
  readonly strideW?: number;
  /** Zero padding added above and below, ph (default 0). */
  readonly padH?: number;
  /** Zero padding added left and right, pw (default 0). */
  readonly padW?: number;
  /** Vertical dilation dh (default 1). */
  readonly dilationH?: number;
  /** Horizontal dilation dw (default 1). */
  readonly dilationW?: number;
}

/**
 * A validated convolution window over one C×H×W image, with its output size and the shape of
 * its column matrix [C·kh·kw, outH·outW].
 * @example const { outH, outW, colRows, colCols } = convGeometry(opts);
 */
export interface ConvGeometry {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  /** outH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1. */
  readonly outH: number;
  /** outW = ⌊(W + 2·pw − dw·(kw − 1) − 1) / sw⌋ + 1. */
  readonly outW: number;
  /** Rows of the column matrix: C·kh·kw (the GEMM depth of a conv2d). */
  readonly colRows: number;
  /** Columns of the column matrix: outH·outW. */
  readonly colCols: number;
  /** Elements of one image: C·H·W. */
  readonly imageSize: number;
  /** Elements of one column matrix: colRows·colCols. */
  readonly colSize: number;
}

function intOption(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new ConfigError(`convGeometry: ${name} must be an integer >= ${min}, got ${fmt(v)}`);
  }
  return v;
}

/**
 * Validates a conv2d window and computes its output size, PyTorch's formula:
 * out = ⌊(in + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1.
 *
 * @example
 * const g = convGeometry({ channels: 1, height: 28, width: 28, kernelH: 3, kernelW: 3, padH: 1, padW: 1 });
 * // g.outH === 28, g.colRows === 9, g.colCols === 784
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006) — conv2d as im2col + GEMM.
 */
export function convGeometry(options: ConvGeometryOptions): ConvGeometry {
  const channels = intOption('channels', options.channels, 0, 1);
  const height = intOption('height', options.height, 0, 1);
  const width = intOption('width', options.width, 0, 1);
  const kernelH = intOption('kernelH', options.kernelH, 0, 1);
  const kernelW = intOption('kernelW', options.kernelW, 0, 1);
  const strideH = intOption('strideH', options.strideH, 1, 1);
  const strideW = intOption('strideW', options.strideW, 1, 1);
  const padH = intOption('padH', options.padH, 0, 0);
  const padW = intOption('padW', options.padW, 0, 0);
  const dilationH = intOption('dilationH', options.dilationH, 1, 1);
  const dilationW = intOption('dilationW', options.dilationW, 1, 1);
  const spanH = dilationH * (kernelH - 1) + 1;
  const spanW = dilationW * (kernelW - 1) + 1;
  if (height + 2 * padH < spanH || width + 2 * padW < spanW) {
    throw new ShapeError(
      `convGeometry: the padded input ${height + 2 * padH}x${width + 2 * padW} (height x width) is smaller than ` +
        `the dilated kernel ${spanH}x${spanW}; expected a padded input at least as large as the kernel`,
    );
  }
  const outH = Math.floor((height + 2 * padH - spanH) / strideH) + 1;
  const outW = Math.floor((width + 2 * padW - spanW) / strideW) + 1;
  const colRows = channels * kernelH * kernelW;
  const colCols = outH * outW;
  return {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    outH,
    outW,
    colRows,
    colCols,
    imageSize: channels * height * width,
    colSize: colRows * colCols,
  };
}

/**
 * Whether a convolution with this geometry reads every pixel once, in order: a 1×1 kernel with
 * stride 1, no padding and no dilation, whose image is its own column matrix (im2col is skipped).
 * @example isDirectConv(convGeometry({ channels: 8, height: 7, width: 7, kernelH: 1, kernelW: 1 })) // true
 */
export function isDirectConv(g: ConvGeometry): boolean {
  return (
    g.kernelH === 1 &&
    g.kernelW === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padH === 0 &&
    g.padW === 0 &&
    g.dilationH === 1 &&
    g.dilationW === 1
  );
}
