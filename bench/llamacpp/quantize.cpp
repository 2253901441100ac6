// A GGUF rewritten as Q8_0 by llama.cpp's own quantizer (llama_model_quantize, the library call
// behind llama-quantize, which node-llama-cpp does not ship as a program): the other side of a
// Q8_0 decode compared with ours (`bench --quantize q8_0`) on the same weights. Built by
// bench/llamacpp/build.sh.
//
//   quantize IN.gguf OUT.gguf
//
// Every 2-D weight becomes Q8_0 (blocks of 32 int8 with an F16 scale), the token embedding and the
// output matrix included; norms stay F32 (LLAMA_FTYPE_MOSTLY_Q8_0). OUT is written in place by
// llama.cpp, so the caller writes to a new name and renames.
#include "ggml-backend.h"
#include "llama.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char ** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s IN.gguf OUT.gguf\n", argv[0]);
        return 2;
    }
    const char * backends = std::getenv("GGML_BACKEND_DIR");
    if (backends != nullptr) ggml_backend_load_all_from_path(backends); else ggml_backend_load_all();
    llama_backend_init();
    llama_model_quantize_params qp = llama_model_quantize_default_params();
    qp.ftype = LLAMA_FTYPE_MOSTLY_Q8_0;
    qp.nthread = 2;
    if (llama_model_quantize(argv[1], argv[2], &qp) != 0) {
        std::fprintf(stderr, "llama.cpp could not quantize %s\n", argv[1]);
        return 1;
    }
    return 0;
}
