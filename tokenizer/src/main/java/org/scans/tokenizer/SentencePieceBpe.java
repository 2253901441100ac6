package org.scans.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's BPE encoder ({@code bpe::Model::SampleEncode} without dropout, then
 * {@code PopulateSentencePieceText}), to the id:
 * <ol>
 * <li>normalize ({@link Normalizer});</li>
 * <li>split into characters, except that user-defined pieces are cut out whole and frozen;</li>
 * <li>repeatedly merge the adjacent pair whose concatenation is a piece with the highest score,
 * ties to the leftmost pair, using a priority queue of candidate pairs (stale entries are
 * recognised by their length and skipped), so the whole encode is O(n log n);</li>
 * <li>unused pieces that merging built are split back the way they were built;</li>
 * <li>pieces that are not in the vocabulary become {@code <0xNN>} byte pieces (byte fallback),
 * or one {@code <unk>} per run without it.</li>
 * </ol>
 * Only normal, user-defined and unused pieces take part in merging; unknown, control and byte
 * pieces never do.
 */
final class SentencePieceBpe implements TextEncoder {
    private final Vocabulary vocab;
    private final Normalizer normalizer;
    private final PrefixMatcher userDefined;
    private final boolean byteFallback;
    /** (left mergeable id, right mergeable id) -> mergeable id of the concatenation. */
    private final LongIntMap pairs;
    /** Mergeable id -> id that SentencePiece reports for that string (reserved wins). */
    private final int[] outputId;
    /** Mergeable ids that are emitted as they are: not unused, not shadowed by a reserved piece. */
    private final boolean[] plainOutput;
    /** Mergeable id of each ASCII character, -1 if none: most symbols start as one of these. */
    private final int[] asciiId = new int[128];
    /** The whitespace character the normalizer writes ({@code ▁}, or a space without escaping). */
    private final int spaceChar;
    /** Characters that some mergeable piece has right before {@link #spaceChar}; null: never segment. */
    private final java.util.Set<Integer> beforeSpace;

    SentencePieceBpe(Vocabulary vocab, SentencePieceModel model, String source) {
        this.vocab = vocab;
        this.byteFallback = model.trainer().byteFallback();
        List<byte[]> user = new ArrayList<>();
        int n = vocab.size();
        outputId = new int[n];
        plainOutput = new boolean[n];
        int mergeable = 0;
        for (int id = 0; id < n; id++) {
            outputId[id] = vocab.pieceToId(vocab.utf8(id), 0, vocab.utf8(id).length);
            PieceType t = vocab.typeUnchecked(id);
            plainOutput[id] = outputId[id] == id && (t == PieceType.NORMAL || t == PieceType.USER_DEFINED);
            if (vocab.typeUnchecked(id) == PieceType.USER_DEFINED) {
                user.add(vocab.utf8(id));
            }
            if (vocab.typeUnchecked(id).mergeable()) {
                mergeable++;
            }
        }
        this.userDefined = user.isEmpty() ? null : new PrefixMatcher(user);
        this.normalizer = new Normalizer(model.normalizer(), model.trainer().treatWhitespaceAsSuffix(), userDefined,
                source);
        pairs = new LongIntMap(mergeable * 3);
        for (int id = 0; id < n; id++) {
            if (!vocab.typeUnchecked(id).mergeable()) {
                continue;
            }
            byte[] p = vocab.utf8(id);
            for (int k = 1; k < p.length; k++) {
                int l = vocab.mergeableId(p, 0, k);
                if (l < 0) {
                    continue;
                }
                int r = vocab.mergeableId(p, k, p.length - k);
                if (r >= 0) {
                    pairs.putIfAbsent(l, r, id);
                }
            }
        }
        for (int c = 0; c < 128; c++) {
            asciiId[c] = vocab.mergeableId(new byte[] {(byte) c}, 0, 1);
        }
        spaceChar = model.normalizer().escapeWhitespaces() ? '\u2581' : ' ';
        beforeSpace = vocab.hasUnused() ? null : charsBefore(vocab, spaceChar, false);
    }

    /**
     * The characters that precede {@code space} inside some mergeable piece. Between a symbol
     * ending in any other character and a symbol starting with {@code space}, no merge can ever
     * happen, so the text splits there into words that BPE can process one by one with small
     * heaps, to the same result: merges never cross the cut, and within a word the order of
     * merges (score, then position) is unchanged. Not done when the model has unused pieces,
     * whose resegmentation depends on the global order of candidate pairs.
     */
    static java.util.Set<Integer> charsBefore(Vocabulary vocab, int space, boolean allPieces) {
        java.util.Set<Integer> set = new java.util.HashSet<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (allPieces || vocab.typeUnchecked(id).mergeable()) {
                int[] cps = vocab.piece(id).codePoints().toArray();
                for (int k = 1; k < cps.length; k++) {
                    if (cps[k] == space) {
                        set.add(cps[k - 1]);
                    }
                }
            }
        }
        return set;
    }

    @Override
    public void encode(byte[] text, boolean atStart, IntList out) {
        byte[] s = normalizer.normalize(text);
        if (s.length > 0) {
            new Run(s).encode(out);
        }
    }

    /** The state of one encode call; not shared between threads. */
    private final class Run {
        final byte[] s;
        final int count;
        final int[] start;
        final int[] len; // 0 once merged into its left neighbour
        final int[] prev;
        final int[] next;
        final int[] id; // mergeable id of the symbol's text, or -1
        final boolean[] frozen;
        // Candidate pairs, in parallel arrays, and a binary heap of their indices.
        int[] pairLeft;
        int[] pairRight;
        float[] pairScore;
        int[] pairSize;
        int[] pairMerged;
        int pairCount;
        int[] heap;
        int heapSize;
        Map<Integer, int[]> revMerge; // unused piece -> how it was last built (left, right ranges)
        boolean prevUnknown;

        Run(byte[] s) {
            this.s = s;
            int n = s.length;
            start = new int[n];
            len = new int[n];
            id = new int[n];
            frozen = new boolean[n];
            int c = 0;
            for (int pos = 0; pos < n; c++) {
                int m = userDefined == null ? 0 : userDefined.match(s, pos, n);
                if (m > 0) {
                    frozen[c] = true;
                } else {
                    m = Math.min(n - pos, Utf8.expectedLength(s[pos]));
                }
                start[c] = pos;
                len[c] = m;
                int b = s[pos];
                id[c] = m == 1 && b >= 0 ? asciiId[b] : vocab.mergeableId(s, pos, m);
                pos += m;
            }
            count = c;
            prev = new int[c];
            next = new int[c];
            for (int i = 0; i < c; i++) {
                prev[i] = i - 1;
                next[i] = i + 1 < c ? i + 1 : -1;
            }
            int cap = 256; // per word (pairs reset between words); grows for long words
            pairLeft = new int[cap];
            pairRight = new int[cap];
            pairScore = new float[cap];
            pairSize = new int[cap];
            pairMerged = new int[cap];
            heap = new int[cap];
        }

        void encode(IntList out) {
            int from = 0;
            for (int i = 1; i < count; i++) {
                if (beforeSpace != null && canCut(i)) {
                    encodeWord(from, i, out);
                    from = i;
                }
            }
            encodeWord(from, count, out);
        }

        /** Whether no merge can ever join symbols {@code i - 1} and {@code i}. */
        private boolean canCut(int i) {
            if (frozen[i - 1] || frozen[i]) {
                return true;
            }
            if (Utf8.decode(s, start[i], start[i] + len[i]) != spaceChar) {
                return false;
            }
            int cp = Utf8.decode(s, start[i - 1], start[i - 1] + len[i - 1]);
            return cp >= 0 && !beforeSpace.contains(cp);
        }

        /** BPE over symbols {@code [from, to)}, which no merge can leave. */
        private void encodeWord(int from, int to, IntList out) {
            prev[from] = -1;
            next[to - 1] = -1;
            heapSize = 0;
            pairCount = 0;
            for (int i = from + 1; i < to; i++) {
                maybeAddPair(i - 1, i);
            }
            while (heapSize > 0) {
                int top = pop();
                int l = pairLeft[top];
                int r = pairRight[top];
                if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != pairSize[top]) {
                    continue; // stale: one side has changed since this pair was queued
                }
                len[l] += len[r];
                id[l] = pairMerged[top];
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                len[r] = 0;
                maybeAddPair(prev[l], l);
                maybeAddPair(l, next[l]);
            }
            for (int i = from; i != -1; i = next[i]) {
                int m = id[i];
                if (m >= 0 && plainOutput[m]) { // the common case: a normal piece, nothing to undo
                    out.add(m);
                    prevUnknown = false;
                } else {
                    resegment(start[i], len[i], m, out);
                }
            }
        }

        private void maybeAddPair(int l, int r) {
            if (l < 0 || r < 0 || frozen[l] || frozen[r]) {
                return;
            }
            int merged = id[l] >= 0 && id[r] >= 0 ? pairs.get(id[l], id[r])
                    : vocab.mergeableId(s, start[l], len[l] + len[r]);
            if (merged < 0) {
                return;
            }
            push(l, r, vocab.scoreUnchecked(merged), len[l] + len[r], merged);
            if (vocab.typeUnchecked(merged) == PieceType.UNUSED) {
                if (revMerge == null) {
                    revMerge = new HashMap<>();
                }
                revMerge.put(merged, new int[] {start[l], len[l], start[r], len[r]});
            }
        }

        /** Unused pieces are split back into the two symbols they were (last) built from. */
        private void resegment(int from, int length, int mergeable, IntList out) {
            int pid = mergeable >= 0 ? outputId[mergeable] : vocab.pieceToId(s, from, length);
            if (vocab.typeUnchecked(pid) == PieceType.UNUSED && revMerge != null) {
                int[] split = revMerge.get(pid);
                if (split != null) {
                    resegment(split[0], split[1], vocab.mergeableId(s, split[0], split[1]), out);
                    resegment(split[2], split[3], vocab.mergeableId(s, split[2], split[3]), out);
                    return;
                }
            }
            emit(from, length, pid, out);
        }

        private void emit(int from, int length, int pid, IntList out) {
            boolean unknown = vocab.typeUnchecked(pid) == PieceType.UNKNOWN;
            if (unknown && byteFallback) {
                for (int i = from; i < from + length; i++) {
                    out.add(vocab.byteId(s[i] & 0xFF));
                }
            } else if (!(unknown && prevUnknown)) { // a run of unknowns is one <unk>
                out.add(pid);
            }
            prevUnknown = unknown;
        }

        // ---- heap: highest score first, then the leftmost pair

        private boolean before(int a, int b) {
            float sa = pairScore[a];
            float sb = pairScore[b];
            return sa > sb || (sa == sb && pairLeft[a] < pairLeft[b]);
        }

        private void push(int l, int r, float score, int size, int merged) {
            if (pairCount == pairLeft.length) {
                int cap = pairCount * 2;
                pairLeft = java.util.Arrays.copyOf(pairLeft, cap);
                pairRight = java.util.Arrays.copyOf(pairRight, cap);
                pairScore = java.util.Arrays.copyOf(pairScore, cap);
                pairSize = java.util.Arrays.copyOf(pairSize, cap);
                pairMerged = java.util.Arrays.copyOf(pairMerged, cap);
            }
            int p = pairCount++;
            pairLeft[p] = l;
            pairRight[p] = r;
            pairScore[p] = score;
            pairSize[p] = size;
            pairMerged[p] = merged;
            if (heapSize == heap.length) {
                heap = java.util.Arrays.copyOf(heap, heapSize * 2);
            }
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(p, heap[parent])) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = p;
        }

        private int pop() {
            int top = heap[0];
            int last = heap[--heapSize];
            int i = 0;
            int half = heapSize >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < heapSize && before(heap[right], heap[child])) {
                    child = right;
                }
                if (!before(heap[child], last)) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            if (heapSize > 0) {
                heap[i] = last;
            }
            return top;
        }
    }
}
