package org.scans.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The BPE model of Hugging Face {@code tokenizers} as a Llama {@code tokenizer.json} configures
 * it ({@code byte_fallback: true}, {@code fuse_unk: true}, no dropout), with the normalizer or
 * Metaspace pre-tokenizer in front. Merges are applied by rank (their order in the file), ties
 * to the leftmost pair, with a priority queue; characters missing from the vocabulary become
 * {@code <0xNN>} pieces before merging.
 */
final class HfBpe implements TextEncoder {
    /** How {@code ▁} gets into the text: the legacy normalizer or the Metaspace pre-tokenizer. */
    enum Prepend {
        /** {@code Prepend("▁")} normalizer: every non-empty chunk. */
        NORMALIZER,
        /** Metaspace {@code always}: every chunk that does not already start with {@code ▁}. */
        ALWAYS,
        /** Metaspace {@code first}: only the chunk at the start of the input. */
        FIRST,
        NEVER
    }

    private final Vocabulary vocab;
    private final boolean[] inModel;
    private final LongIntMap mergeIndex; // (left, right) -> merge slot (numbered in rank order) into mergeNew
    private final int[] mergeNew;
    private final Prepend prepend;
    private final byte[] replaceFrom; // normalizer Replace pattern, null if none
    private final byte[] replaceTo;
    private final boolean metaspace;
    private final boolean split;
    private final boolean ignoreMerges;
    private final boolean byteFallback;
    private final int unkId; // -1: no unk token, unknown characters are dropped (as tokenizers does)
    private final int[] asciiId = new int[128];
    private final int spaceId; // the model's "▁" token, -1 if none
    private final java.util.Set<Integer> beforeSpace;

    HfBpe(Vocabulary vocab, boolean[] inModel, int[][] merges, Prepend prepend, String replaceFrom, String replaceTo,
            boolean metaspace, boolean split, boolean ignoreMerges, boolean byteFallback, int unkId) {
        this.vocab = vocab;
        this.inModel = inModel;
        this.prepend = prepend;
        this.replaceFrom = replaceFrom == null ? null : replaceFrom.getBytes(StandardCharsets.UTF_8);
        this.replaceTo = replaceTo == null ? null : replaceTo.getBytes(StandardCharsets.UTF_8);
        this.metaspace = metaspace;
        this.split = split;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        this.unkId = unkId;
        mergeIndex = new LongIntMap(merges.length);
        mergeNew = new int[merges.length];
        int k = 0;
        for (int rank = 0; rank < merges.length; rank++) {
            int[] m = merges[rank];
            if (mergeIndex.putIfAbsent(m[0], m[1], k)) { // the first (lowest) rank wins, as in tokenizers
                mergeNew[k] = m[2];
                k++;
            }
        }
        for (int c = 0; c < 128; c++) {
            asciiId[c] = modelId(new byte[] {(byte) c}, 0, 1);
        }
        spaceId = modelId(Normalizer.SPACE_SYMBOL, 0, 3);
        beforeSpace = SentencePieceBpe.charsBefore(vocab, '\u2581', true); // any token may be a merge result
    }

    private int modelId(byte[] s, int off, int len) {
        int id = vocab.find(s, off, len);
        return id >= 0 && inModel[id] ? id : -1;
    }

    @Override
    public void encode(byte[] text, boolean atStart, IntList out) {
        if (text.length == 0) {
            return;
        }
        byte[] s = text;
        if (prepend == Prepend.NORMALIZER) {
            s = concat(Normalizer.SPACE_SYMBOL, s);
        }
        if (replaceFrom != null) {
            s = replaceAll(s, replaceFrom, replaceTo);
        }
        if (metaspace) {
            s = replaceAll(s, new byte[] {' '}, Normalizer.SPACE_SYMBOL);
            boolean startsWithSpace = startsWith(s, 0, Normalizer.SPACE_SYMBOL);
            if (!startsWithSpace && (prepend == Prepend.ALWAYS || (prepend == Prepend.FIRST && atStart))) {
                s = concat(Normalizer.SPACE_SYMBOL, s);
            }
        }
        if (!split) {
            word(s, 0, s.length, out);
            return;
        }
        // Metaspace split: each word begins at a ▁ (the delimiter merges with the next word).
        int from = 0;
        for (int i = 1; i < s.length; i++) {
            if (startsWith(s, i, Normalizer.SPACE_SYMBOL)) {
                word(s, from, i, out);
                from = i;
            }
        }
        word(s, from, s.length, out);
    }

    private void word(byte[] s, int from, int to, IntList out) {
        if (from == to) {
            return;
        }
        if (ignoreMerges) {
            int whole = modelId(s, from, to - from);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        // Initial symbols: characters, byte pieces for characters outside the vocabulary.
        IntList syms = new IntList(to - from);
        int unkLen = 0;
        for (int pos = from; pos < to;) {
            int n = Math.min(to - pos, Utf8.expectedLength(s[pos]));
            int b = s[pos];
            int id = n == 1 && b >= 0 ? asciiId[b] : modelId(s, pos, n);
            if (id >= 0) {
                if (unkLen > 0) {
                    syms.add(unkId);
                    unkLen = 0;
                }
                syms.add(id);
            } else if (byteFallback && allBytesKnown(s, pos, n)) {
                // tokenizers pushes the byte pieces without flushing a pending unk first: the
                // unk lands after them, when the next known character (or the end) comes
                for (int i = pos; i < pos + n; i++) {
                    syms.add(vocab.byteId(s[i] & 0xFF));
                }
            } else if (unkId >= 0) {
                unkLen += n;
            }
            pos += n;
        }
        if (unkLen > 0) {
            syms.add(unkId);
        }
        // Cut before a ▁ that no merged token can have in the middle (see SentencePieceBpe#charsBefore).
        int[] c = syms.toArray();
        int wordStart = 0;
        for (int i = 1; i < c.length; i++) {
            if (c[i] == spaceId && spaceId >= 0) {
                String left = vocab.piece(c[i - 1]);
                if (!beforeSpace.contains(left.codePointBefore(left.length()))) {
                    merge(c, wordStart, i, out);
                    wordStart = i;
                }
            }
        }
        merge(c, wordStart, c.length, out);
    }

    private boolean allBytesKnown(byte[] s, int pos, int n) {
        for (int i = pos; i < pos + n; i++) {
            int id = vocab.byteId(s[i] & 0xFF);
            if (vocab.typeUnchecked(id) != PieceType.BYTE || !inModel[id]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code Word::merge_all}: lowest rank first, then lowest position. Heap entries pack
     * (merge slot, position) into a long; slots were numbered in rank order, so the packed
     * value orders exactly as (rank, position).
     */
    private void merge(int[] all, int from, int to, IntList out) {
        int n = to - from;
        int[] c = java.util.Arrays.copyOfRange(all, from, to);
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        long[] heap = new long[Math.max(8, n)];
        int size = 0;
        for (int i = 0; i + 1 < n; i++) {
            int m = mergeIndex.get(c[i], c[i + 1]);
            if (m >= 0) {
                heap = grow(heap, size);
                size = push(heap, size, (long) m << 32 | i);
            }
        }
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int slot = (int) (top >>> 32);
            int pos = (int) top;
            if (gone[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int now = mergeIndex.get(c[pos], c[right]);
            if (now < 0 || mergeNew[now] != mergeNew[slot]) {
                continue; // expired: the pair at this position has changed
            }
            c[pos] = mergeNew[slot];
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                int pm = mergeIndex.get(c[prev[pos]], c[pos]);
                if (pm >= 0) {
                    heap = grow(heap, size);
                    size = push(heap, size, (long) pm << 32 | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                int nm = mergeIndex.get(c[pos], c[next[pos]]);
                if (nm >= 0) {
                    heap = grow(heap, size);
                    size = push(heap, size, (long) nm << 32 | pos);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (!gone[i]) {
                out.add(c[i]);
            }
        }
    }

    private static long[] grow(long[] heap, int size) {
        return size == heap.length ? Arrays.copyOf(heap, size * 2) : heap;
    }

    /** Min-heap on (rank, position) packed into one long. */
    private static int push(long[] heap, int size, long v) {
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
        return size;
    }

    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }

    private static boolean startsWith(byte[] s, int at, byte[] p) {
        return s.length - at >= p.length && Arrays.equals(s, at, at + p.length, p, 0, p.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] replaceAll(byte[] s, byte[] from, byte[] to) {
        if (from.length == 0) {
            return s;
        }
        Normalizer.ByteSink out = new Normalizer.ByteSink(s.length + s.length / 2);
        for (int i = 0; i < s.length;) {
            if (startsWith(s, i, from)) {
                out.add(to);
                i += from.length;
            } else {
                out.add(s[i++]);
            }
        }
        return out.toArray();
    }
}
