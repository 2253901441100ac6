// llama.cpp's prompt processing measured as llama-bench's pp measures it (and `bench` ours): one
// llama_decode of P tokens into an empty KV cache, the first BOS, the rest ids from a fixed LCG,
// logits for the last only. One warm-up, then REPS runs. For machines without node, where
// llamacpp.mjs cannot run (bench/kit). Built by bench/llamacpp/build.sh.
//
//   ppbench MODEL.gguf THREADS P REPS     prints {"threads":…,"pp":…,"pp_tok_s":[…]}
#include "ggml-backend.h"
#include "llama.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
int main(int argc, char ** argv) {
    if (argc != 5) { std::fprintf(stderr, "usage: ppbench MODEL.gguf THREADS P REPS\n"); return 2; }
    int threads = std::atoi(argv[2]), p = std::atoi(argv[3]), reps = std::atoi(argv[4]);
    if (threads < 1 || p < 1 || reps < 1) { std::fprintf(stderr, "bad arguments: THREADS, P and REPS must be at least 1\n"); return 2; }
    const char * backends = std::getenv("GGML_BACKEND_DIR");
    if (backends) ggml_backend_load_all_from_path(backends); else ggml_backend_load_all();
    llama_backend_init();
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    llama_model * model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (!model) { std::fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = p + 16; cp.n_batch = cp.n_ubatch = p; cp.n_threads = cp.n_threads_batch = threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { std::fprintf(stderr, "cannot make a context of %d tokens\n", p); return 1; }
    llama_batch b = llama_batch_init(p, 0, 1);
    unsigned s = 12345;
    std::printf("{\"threads\":%d,\"pp\":%d,\"pp_tok_s\":[", threads, p);
    for (int r = 0; r <= reps; r++) {
        llama_memory_clear(llama_get_memory(ctx), true);
        for (int i = 0; i < p; i++) { s = s * 1103515245u + 12345u; b.token[i] = i == 0 ? 1 : 3 + (int) (s % (unsigned) (vocab - 3)); b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = i == p - 1; }
        b.n_tokens = p;
        auto t0 = std::chrono::steady_clock::now();
        if (llama_decode(ctx, b) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }
        double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r > 0) std::printf("%s%.3f", r > 1 ? "," : "", p / sec);  // run 0 is the warm-up
        std::fflush(stdout);
    }
    std::printf("]}\n");
    llama_batch_free(b);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
