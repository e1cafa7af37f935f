/* GELU and layer normalisation (transformer_ops.c): the contracts of Kernels.geluForward/
 * Backward (float32; tanhForm 1 for approximate 'tanh') and Kernels.layerNormForward/Backward
 * (both dtypes; mean and rstd are float64 [rows]; NULL for an absent γ, β, dx, dγ or dβ; rms:
 * RMS normalisation, μ = 0 and no β). */
#ifndef GS_TRANSFORMER_OPS_H
#define GS_TRANSFORMER_OPS_H
void gs_gelu_fwd_f32(const float *x, float *y, long n, int tanhForm);
void gs_gelu_bwd_f32(const float *x, const float *g, float *dx, long n, int tanhForm);
#define GS_LN_DECL(T, S)                                                                       \
  void gs_layer_norm_fwd_##S(const T *x, const T *gamma, const T *beta, long rows, long d,    \
                             double eps, int rms, T *y, double *mean, double *rstd);                   \
  void gs_layer_norm_bwd_##S(const T *g, const T *x, const T *gamma, const double *mean,      \
                             const double *rstd, long rows, long d, int rms, T *dx, T *dGamma,       \
                             int dGammaAcc, T *dBeta, int dBetaAcc);
GS_LN_DECL(float, f32)
GS_LN_DECL(double, f64)
#endif
