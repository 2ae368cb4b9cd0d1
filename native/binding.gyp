{
  "targets": [
    {
      "target_name": "udp_tos",
      "sources": ["udp_tos.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
