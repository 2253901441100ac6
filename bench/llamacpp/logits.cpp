// Logits of llama.cpp for every position of a token sequence, with a control vector applied or
// not ("-"): the oracle behind the golden files that check which layer `extract --export-llamacpp`'s
// direction.N reaches, and logits over long contexts. Built by bench/llamacpp/build.sh against the
// llama.cpp that node-llama-cpp bundles (headers from its source bundle, the prebuilt shared
// libraries of its CPU build).
//
//   logits MODEL.gguf CVEC.gguf|- ID,ID,...   prints one line of logits per position
//
// Exact settings: float32 KV cache, flash attention off, one sequence, every position's logits.
// The control vector goes through llama.cpp's own loader (common_control_vector_load) and is
// applied to layers 1..n_layer, as llama-cli does when no layer range is given.
#include "common.h"
#include "ggml-backend.h"
#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char ** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf CVEC.gguf|- ID,ID,...\n", argv[0]);
        return 2;
    }
    const char * backends = std::getenv("GGML_BACKEND_DIR");
    if (backends != nullptr) ggml_backend_load_all_from_path(backends); else ggml_backend_load_all();
    llama_backend_init();
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);

    llama_model_params mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (model == nullptr) { std::fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }

    std::vector<llama_token> ids;
    std::stringstream in(argv[3]);
    for (std::string t; std::getline(in, t, ',');) ids.push_back(std::stoi(t));

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = ids.size() > 512 ? (uint32_t) ids.size() : 512;
    cp.n_batch = cp.n_ubatch = (uint32_t) ids.size();
    cp.n_threads = cp.n_threads_batch = 1;
    cp.type_k = GGML_TYPE_F32;
    cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (ctx == nullptr) { std::fprintf(stderr, "cannot make a context\n"); return 1; }

    if (std::string(argv[2]) != "-") {
        common_control_vector_data cv = common_control_vector_load({{1.0f, argv[2]}});
        if (cv.n_embd == -1) { std::fprintf(stderr, "cannot load control vector %s\n", argv[2]); return 1; }
        int err = llama_set_adapter_cvec(ctx, cv.data.data(), cv.data.size(), cv.n_embd, 1, llama_model_n_layer(model));
        if (err != 0) { std::fprintf(stderr, "llama_set_adapter_cvec failed\n"); return 1; }
    }

    llama_batch batch = llama_batch_init((int32_t) ids.size(), 0, 1);
    for (size_t i = 0; i < ids.size(); i++) {
        batch.token[i] = ids[i];
        batch.pos[i] = (llama_pos) i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = (int32_t) ids.size();
    if (llama_decode(ctx, batch) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }
    const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    for (size_t i = 0; i < ids.size(); i++) {
        const float * l = llama_get_logits_ith(ctx, (int32_t) i);
        for (int v = 0; v < vocab; v++) std::printf(v ? " %.7g" : "%.7g", l[v]);
        std::printf("\n");
    }
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
