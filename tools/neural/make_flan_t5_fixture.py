#!/usr/bin/env python3
"""Writes Tests/Fixtures/neural/t5/flan-t5-small-shaped/{float32,bfloat16,sharded}: checkpoints laid out
exactly as google/flan-t5-small's (the same config.json keys, values where they are not sizes, tensor
names, generation_config.json), with shrunk dimensions and random weights. No real flan-t5 weights
are reachable here; these fixtures prove a user's real checkpoint directory loads by path.

The weights are drawn from a fixed seed and rounded to bfloat16 first, so all three forms hold the same
values and must give identical outputs. Plain Python: the safetensors format is written by hand
(8-byte little-endian header length, JSON header, raw little-endian data).

    python3 tools/neural/make_flan_t5_fixture.py [--reference]

--reference also records transformers' outputs for the float32 form (reference.json: encoder input ids,
greedy tokens, the logits of every step, each step's top-2 margin). It needs torch and transformers 4.x
(5.x ties the head of every T5 whatever tie_word_embeddings says).
"""
import json
import os
import random
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "neural", "t5", "flan-t5-small-shaped")

# flan-t5-small: d_model 512, d_kv 64, d_ff 1024, 6 heads, 8 + 8 layers, vocab 32128. Shrunk here.
D_MODEL, D_KV, D_FF, HEADS, LAYERS, VOCAB, BUCKETS = 32, 8, 48, 4, 2, 160, 32
INNER = HEADS * D_KV

# flan-t5-small's config.json key for key (as published on the Hugging Face hub, transformers 4.23.1),
# with the sizes above.
CONFIG = {
    "architectures": ["T5ForConditionalGeneration"],
    "d_ff": D_FF,
    "d_kv": D_KV,
    "d_model": D_MODEL,
    "decoder_start_token_id": 0,
    "dense_act_fn": "gelu_new",
    "dropout_rate": 0.1,
    "eos_token_id": 1,
    "feed_forward_proj": "gated-gelu",
    "initializer_factor": 1.0,
    "is_encoder_decoder": True,
    "is_gated_act": True,
    "layer_norm_epsilon": 1e-06,
    "model_type": "t5",
    "n_positions": 512,
    "num_decoder_layers": LAYERS,
    "num_heads": HEADS,
    "num_layers": LAYERS,
    "output_past": True,
    "pad_token_id": 0,
    "relative_attention_max_distance": 128,
    "relative_attention_num_buckets": BUCKETS,
    "task_specific_params": {
        "summarization": {"early_stopping": True, "length_penalty": 2.0, "max_length": 200, "min_length": 30,
                          "no_repeat_ngram_size": 3, "num_beams": 4, "prefix": "summarize: "},
        "translation_en_to_de": {"early_stopping": True, "max_length": 300, "num_beams": 4,
                                 "prefix": "translate English to German: "},
        "translation_en_to_fr": {"early_stopping": True, "max_length": 300, "num_beams": 4,
                                 "prefix": "translate English to French: "},
        "translation_en_to_ro": {"early_stopping": True, "max_length": 300, "num_beams": 4,
                                 "prefix": "translate English to Romanian: "},
    },
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": "4.23.1",
    "use_cache": True,
    "vocab_size": VOCAB,
}
GENERATION = {"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0, "transformers_version": "4.27.0.dev0"}


def tensor_shapes():
    """flan-t5-small's tensor names in its safetensors file, in order."""
    names = [("shared.weight", [VOCAB, D_MODEL])]
    for stack in ("encoder", "decoder"):
        for i in range(LAYERS):
            p = f"{stack}.block.{i}.layer"
            for m in "qkv":
                names.append((f"{p}.0.SelfAttention.{m}.weight", [INNER, D_MODEL]))
            names.append((f"{p}.0.SelfAttention.o.weight", [D_MODEL, INNER]))
            if i == 0:
                names.append((f"{p}.0.SelfAttention.relative_attention_bias.weight", [BUCKETS, HEADS]))
            names.append((f"{p}.0.layer_norm.weight", [D_MODEL]))
            ff = 1
            if stack == "decoder":
                for m in "qkv":
                    names.append((f"{p}.1.EncDecAttention.{m}.weight", [INNER, D_MODEL]))
                names.append((f"{p}.1.EncDecAttention.o.weight", [D_MODEL, INNER]))
                names.append((f"{p}.1.layer_norm.weight", [D_MODEL]))
                ff = 2
            names.append((f"{p}.{ff}.DenseReluDense.wi_0.weight", [D_FF, D_MODEL]))
            names.append((f"{p}.{ff}.DenseReluDense.wi_1.weight", [D_FF, D_MODEL]))
            names.append((f"{p}.{ff}.DenseReluDense.wo.weight", [D_MODEL, D_FF]))
            names.append((f"{p}.{ff}.layer_norm.weight", [D_MODEL]))
        names.append((f"{stack}.final_layer_norm.weight", [D_MODEL]))
    names.append(("lm_head.weight", [VOCAB, D_MODEL]))
    return names


def bf16_bits(x):
    """The bfloat16 nearest to float32 x (round to nearest even), as 16 bits."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def weights():
    rng = random.Random(20261130)
    out = {}
    for name, shape in tensor_shapes():
        n = 1
        for s in shape:
            n *= s
        if name.endswith("layer_norm.weight"):
            values = [1.0 + rng.uniform(-0.2, 0.2) for _ in range(n)]
        elif "relative_attention_bias" in name:
            values = [rng.gauss(0, 1.0) for _ in range(n)]
        else:
            values = [rng.gauss(0, 1.0) / shape[-1] ** 0.5 for _ in range(n)]
        # Rounded to bfloat16 so the float32 and bfloat16 files hold the same numbers.
        out[name] = (shape, [bf16_bits(v) for v in values])
    return out


def encode(bits, dtype):
    if dtype == "BF16":
        return struct.pack(f"<{len(bits)}H", *bits)
    return struct.pack(f"<{len(bits)}I", *[b << 16 for b in bits])


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {}, [], 0
    for name, (shape, bits) in tensors.items():
        blob = encode(bits, dtype)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    return offset


def write_dir(name, tensors, dtype, shards=1):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    config = dict(CONFIG, torch_dtype="bfloat16" if dtype == "BF16" else "float32")
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(d, "generation_config.json"), "w") as f:
        json.dump(GENERATION, f, indent=2)
        f.write("\n")
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), tensors, dtype)
        return
    names = list(tensors)
    weight_map, total = {}, 0
    for s in range(shards):
        part = names[s * len(names) // shards:(s + 1) * len(names) // shards]
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        total += write_safetensors(os.path.join(d, file), {n: tensors[n] for n in part}, dtype)
        weight_map.update({n: file for n in part})
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


def reference():
    import torch
    from transformers import T5ForConditionalGeneration
    model = T5ForConditionalGeneration.from_pretrained(os.path.join(OUT, "float32")).eval()
    inputs = [[5, 17, 42, 99, 7, 130, 64, 1], [23, 23, 150, 8, 1]]
    cases = []
    with torch.inference_mode():
        for ids in inputs:
            out = model.generate(torch.tensor([ids]), max_new_tokens=10, min_new_tokens=10, do_sample=False, num_beams=1,
                                 output_scores=True, return_dict_in_generate=True)
            tokens = out.sequences[0, 1:].tolist()
            logits = model(input_ids=torch.tensor([ids]), decoder_input_ids=out.sequences[:, :-1]).logits[0]
            top2 = logits.topk(2, dim=-1).values
            cases.append({"input": ids, "greedy": tokens, "logits": logits.tolist(),
                          "margin": float((top2[:, 0] - top2[:, 1]).min())})
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"transformers": __import__("transformers").__version__, "cases": cases}, f)
    print("min top-2 margin", min(c["margin"] for c in cases))


def main():
    import sys
    tensors = weights()
    write_dir("float32", tensors, "F32")
    write_dir("bfloat16", tensors, "BF16")
    write_dir("sharded", tensors, "F32", shards=3)
    print(f"wrote {OUT}/{{float32,bfloat16,sharded}}: {len(tensors)} tensors")
    if "--reference" in sys.argv[1:]:
        reference()


if __name__ == "__main__":
    main()
