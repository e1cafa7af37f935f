/* The fused multi-head self-attention kernels (attention.c), float32. 0 on success, -1 when a
 * scratch buffer could not be allocated. */
#ifndef GS_ATTENTION_H
#define GS_ATTENTION_H
int gs_attention_fwd_f32(const float *qkv, long B, long T, long E, long H, int causal,
                         double scale, float *p, float *y);
int gs_attention_bwd_f32(const float *g, const float *qkv, const float *p, long B, long T, long E,
                         long H, int causal, double scale, float *dqkv);
#endif
