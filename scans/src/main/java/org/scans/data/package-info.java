/**
 * The data SCANS runs on: prompt sets, anchors, test pairings, and the capability-evaluation
 * data (XSum, MMLU). Nothing here knows about models or tokens.
 *
 * <h2>Typical use</h2>
 * <pre>{@code
 * Datasets data = Datasets.locate();                         // -Dscans.datasets, SCANS_DATASETS, beside the jar, ./datasets
 * AnchorSet anchors = Anchors.sample(data, seed);           // 64 AdvBench + 64 TruthfulQA, java.util.Random(seed)
 * TestSet test = data.resolveTestSet("xstest", anchors);     // or "default", "oktest", …, or "my.csv"/"my.jsonl"
 * for (Sample s : test.all()) { … s.prompt() … }             // unsafe first, then safe, as the reference
 * TestSet.AnchorOverlap overlap = test.anchorOverlap(anchors);  // report it (RepE overlaps the anchors)
 * }</pre>
 *
 * <h2>Fidelity</h2>
 * Prompts are exactly the strings the reference Python reads (pandas / {@code readlines()} /
 * {@code json}), line ends included; golden tests compare SHA-256 digests of every data set, every
 * MMLU 5-shot prompt and the XSum rows against pandas 1.5.3. Where the reference strips
 * ({@code q.strip()} for generation), use {@link org.scans.data.PythonText#strip}, not
 * {@link String#strip()}: the two disagree on some characters.
 *
 * <h2>Errors</h2>
 * Missing or malformed files and unknown names raise {@link org.scans.data.DatasetException}
 * with a {@code file:line:} prefix where there is a line, and the list of known names where a
 * name was wrong.
 */
package org.scans.data;
