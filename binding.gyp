{
  "targets": [
    {
      "target_name": "gradscope_native",
      "sources": [
        "native/src/binding.c",
        "native/src/runtime.c",
        "native/src/gemm.c",
        "native/src/layers.c",
        "native/src/rnn_gates.c",
        "native/src/losses.c",
        "native/src/pool.c",
        "native/src/transformer_ops.c",
        "native/src/attention.c",
        "native/src/monitor_stats.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-pthread"],
      "cflags!": ["-O2"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["OS=='mac'", { "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-ffp-contract=off", "-fno-math-errno"] } }]
      ]
    }
  ]
}
