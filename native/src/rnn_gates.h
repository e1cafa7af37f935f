/* The float32 LSTM/GRU gate steps (rnn_gates.c): one time step, B rows, pointers at the step's
 * offsets; the contracts of Kernels.lstmGatesForward/Backward and gruGatesForward/Backward
 * (src/kernels/types.ts), with NULL for an absent cPrev, hPrev or bHh. */
#ifndef GS_RNN_GATES_H
#define GS_RNN_GATES_H
void gs_lstm_gates_fwd_f32(float *gates, const float *cPrev, float *c, float *h, long B, long H);
void gs_lstm_gates_bwd_f32(const float *gates, const float *c, const float *cPrev,
                           const float *gh, const float *dh, float *dc, float *dG, long B, long H);
void gs_gru_gates_fwd_f32(float *gates, const float *hp, const float *bHh, float *hn,
                          const float *hPrev, float *h, long B, long H);
void gs_gru_gates_bwd_f32(const float *gates, const float *hn, const float *hPrev,
                          const float *gh, float *dh, float *dXP, float *dHP, long B, long H);
#endif
