// Batched decoding in llama.cpp, measured the way `bench --batch B` measures ours: B independent
// sequences from empty caches, each decoding one token per step through one llama_decode call,
// logits for every token; aggregate tok/s, next to one sequence decoding alone in the same process.
// It answers a question the B = 16 target raises: what does the reference engine reach here?
// Built by bench/llamacpp/build.sh (with logits.cpp) against node-llama-cpp's llama.cpp.
//
//   batched MODEL.gguf THREADS B GEN REPS [f16|f32]
//
// Prints one JSON line: {"threads":…,"batch":…,"gen":…,"kv":…,"tg_tok_s":[…],"tg_batch_tok_s":[…]}.
// Settings: flash attention off; each sequence in its own KV stream (kv_unified false, as
// llama.cpp advises for sequences that share no prefix); token ids from a fixed LCG, as
// llamacpp.mjs bench draws them (decode time does not depend on the ids).
#include "ggml-backend.h"
#include "llama.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

uint32_t state = 12345;

llama_token next_token(int vocab) {
    state = state * 1103515245u + 12345u;
    return 3 + (llama_token) (state % (uint32_t) (vocab - 3));
}

// One timed run: `gen` steps of `seqs` tokens each (one per sequence) from empty caches.
double tokens_per_second(llama_context * ctx, int seqs, int gen, int vocab) {
    llama_memory_clear(llama_get_memory(ctx), true);
    llama_batch batch = llama_batch_init(seqs, 0, 1);
    auto t0 = std::chrono::steady_clock::now();
    for (int step = 0; step < gen; step++) {
        for (int s = 0; s < seqs; s++) {
            batch.token[s] = step == 0 ? 1 : next_token(vocab);
            batch.pos[s] = step;
            batch.n_seq_id[s] = 1;
            batch.seq_id[s][0] = s;
            batch.logits[s] = 1;
        }
        batch.n_tokens = seqs;
        if (llama_decode(ctx, batch) != 0) { std::fprintf(stderr, "decode failed at step %d\n", step); std::exit(1); }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    llama_batch_free(batch);
    return (double) seqs * gen / seconds;
}

llama_context * open_context(llama_model * model, int threads, int seqs, int gen, ggml_type kv) {
    llama_context_params cp = llama_context_default_params();
    cp.n_seq_max = (uint32_t) seqs;
    cp.kv_unified = false;
    cp.n_ctx = (uint32_t) (seqs * (gen + 16));
    cp.n_batch = cp.n_ubatch = (uint32_t) (seqs < 512 ? 512 : seqs);
    cp.n_threads = cp.n_threads_batch = threads;
    cp.type_k = cp.type_v = kv;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (ctx == nullptr) { std::fprintf(stderr, "cannot make a context for %d sequences\n", seqs); std::exit(1); }
    return ctx;
}

std::string list(const std::vector<double> & xs) {
    std::string s = "[";
    for (size_t i = 0; i < xs.size(); i++) {
        char b[32];
        std::snprintf(b, sizeof b, "%s%.3f", i ? "," : "", xs[i]);
        s += b;
    }
    return s + "]";
}

}  // namespace

int main(int argc, char ** argv) {
    if (argc < 6 || argc > 7) {
        std::fprintf(stderr, "usage: %s MODEL.gguf THREADS B GEN REPS [f16|f32]\n", argv[0]);
        return 2;
    }
    const int threads = std::atoi(argv[2]), seqs = std::atoi(argv[3]), gen = std::atoi(argv[4]), reps = std::atoi(argv[5]);
    const std::string kvName = argc == 7 ? argv[6] : "f16";
    if (threads < 1 || seqs < 1 || gen < 2 || reps < 1 || (kvName != "f16" && kvName != "f32")) {
        std::fprintf(stderr, "bad arguments: threads, B and reps must be at least 1, gen at least 2, kv f16 or f32\n");
        return 2;
    }
    const char * backends = std::getenv("GGML_BACKEND_DIR");
    if (backends != nullptr) ggml_backend_load_all_from_path(backends); else ggml_backend_load_all();
    llama_backend_init();
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    llama_model * model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (model == nullptr) { std::fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    const ggml_type kv = kvName == "f16" ? GGML_TYPE_F16 : GGML_TYPE_F32;

    std::vector<double> single, batched;
    llama_context * one = open_context(model, threads, 1, gen, kv);
    llama_context * many = open_context(model, threads, seqs, gen, kv);
    tokens_per_second(one, 1, 2, vocab);       // warm-ups
    tokens_per_second(many, seqs, 2, vocab);
    for (int r = 0; r < reps; r++) {           // alternating, so both meet the same memory minutes
        single.push_back(tokens_per_second(one, 1, gen, vocab));
        batched.push_back(tokens_per_second(many, seqs, gen, vocab));
    }
    std::printf("{\"threads\":%d,\"batch\":%d,\"gen\":%d,\"kv\":\"%s\",\"tg_tok_s\":%s,\"tg_batch_tok_s\":%s}\n",
                threads, seqs, gen, kvName.c_str(), list(single).c_str(), list(batched).c_str());
    llama_free(many);
    llama_free(one);
    llama_model_free(model);
    return 0;
}
