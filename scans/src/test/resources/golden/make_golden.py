#!/usr/bin/python3
"""Writes the golden files the Java tests in org.scans.{data,eval} compare against.

Run with Debian's python3 (bookworm: python3-pandas 1.5.3, python3-sklearn 1.2.1) from the
repository root:  /usr/bin/python3 scans/src/test/resources/golden/make_golden.py
It reads datasets/ the way the SCANS reference scripts do (pandas.read_csv, readlines, json)
and records counts and SHA-256 digests, so the tests need no Python.
"""
import hashlib, json, os, random, sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import auc, f1_score, precision_recall_curve, precision_score, recall_score

ROOT = 'datasets'
OUT = os.path.dirname(os.path.abspath(__file__))


def digest(texts):
    """SHA-256 of the texts joined by NUL, UTF-8: one value pins every character of a list."""
    return hashlib.sha256('\0'.join(texts).encode('utf-8')).hexdigest()


def entry(texts):
    return {'count': len(texts), 'sha256': digest(texts), 'first': texts[0], 'last': texts[-1]}


def readlines(name):
    with open(os.path.join(ROOT, name)) as f:
        return f.readlines()


def datasets():
    xs = pd.read_csv(os.path.join(ROOT, 'xstest_v2_prompts.csv'))
    contrast = xs['type'].str.contains('contrast_')
    lsg = readlines('LLMSafeGuard_custom.txt')
    repe = pd.read_csv(os.path.join(ROOT, 'derived/repe_test_pairs.csv'), keep_default_na=False)
    with open(os.path.join(ROOT, 'HarmfulQ.json')) as f:
        harmfulq = json.load(f)
    return {
        'advbench': entry(pd.read_csv(os.path.join(ROOT, 'AdvBench.csv'))['goal'].tolist()),
        'truthfulqa': entry(pd.read_csv(os.path.join(ROOT, 'TruthfulQA.csv'))['Question'].tolist()),
        'xstest_unsafe': entry(xs[contrast]['prompt'].tolist()),
        'xstest_safe': entry(xs[~contrast]['prompt'].tolist()),
        'oktest': entry(pd.read_csv(os.path.join(ROOT, 'OKTest.csv'))['prompt'].tolist()),
        'harmfulq': entry(harmfulq),
        'maliciousinstruct': entry(readlines('MaliciousInstruct.txt')),
        'heldout_harmless': entry(readlines('Held-outHarmless.txt')),
        'llmsafeguard_unsafe': entry(lsg[:100]),
        'llmsafeguard_safe': entry(lsg[100:]),
        'repe_unsafe': entry(repe['sentence_1'].tolist()),
        'repe_safe': entry(repe['sentence_0'].tolist()),
    }


# mmlu_eval.py's prompt construction, restated.
def mmlu_example(df, i, include_answer=True):
    text = df.iloc[i, 0]
    for j, letter in enumerate('ABCD'):
        text += '\n{}. {}'.format(letter, df.iloc[i, j + 1])
    text += '\nAnswer:'
    if include_answer:
        text += ' {}\n\n'.format(df.iloc[i, 5])
    return text


def mmlu():
    subjects = sorted(f.split('_test.csv')[0] for f in os.listdir(os.path.join(ROOT, 'mmlu_test')) if '_test.csv' in f)
    out = {'subjects': subjects, 'per_subject': {}}
    for subject in subjects:
        dev = pd.read_csv(os.path.join(ROOT, 'mmlu_dev', subject + '_dev.csv'), header=None)[:5]
        test = pd.read_csv(os.path.join(ROOT, 'mmlu_test', subject + '_test.csv'), header=None)
        header = 'The following are multiple choice questions (with answers) about {}.\n\n'.format(
            ''.join(' ' + w for w in subject.split('_')))
        shots = ''.join(mmlu_example(dev, i) for i in range(5))
        prompts = [header + shots + mmlu_example(test, i, include_answer=False) for i in range(test.shape[0])]
        out['per_subject'][subject] = {'count': len(prompts), 'sha256': digest(prompts),
                                       'answers': ''.join(test.iloc[:, 5].tolist())}
        if subject == 'abstract_algebra':
            out['abstract_algebra_0'] = prompts[0]
    return out


def xsum():
    df = pd.read_csv(os.path.join(ROOT, 'xsum/dev.csv'))
    kept = df[df['dialogue'].notna() & df['summary'].notna()]
    docs = kept['dialogue'].tolist()
    return {'rows': int(df.shape[0]), 'kept': int(kept.shape[0]),
            'skipped_rows': [int(i) for i in df.index[df['dialogue'].isna()]],
            'ids_sha256': digest([str(i) for i in kept['id'].tolist()]),
            'documents_sha256': digest(docs), 'summaries_sha256': digest(kept['summary'].tolist()),
            'instructions_sha256': digest(['Document:' + d.strip() + '\nBased on the previous text, provide a brief single summary:'
                                           for d in docs])}


def classifier_case(name, labels, c, predicted):
    labels = np.array(labels)
    scores = [1 - x for x in c]
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    return {'name': name, 'labels': labels.tolist(), 'c': c, 'predicted': predicted,
            'curve_precision': precision.tolist(), 'curve_recall': recall.tolist(),
            'thresholds': thresholds.tolist(), 'auprc': float(auc(recall, precision)),
            'precision': float(precision_score(labels, predicted, zero_division=0)),
            'recall': float(recall_score(labels, predicted, zero_division=0)),
            'f1': float(f1_score(labels, predicted, zero_division=0))}


def classifier():
    rng = random.Random(7)
    cases = []
    # labels: 1 = safe (positive), 0 = unsafe, as in SCANS_llama.py; predicted: 1 if c < T.
    for name, n, decimals in [('small', 12, 1), ('ties', 40, 1), ('medium', 300, 3), ('large', 1209, 17)]:
        labels = [rng.randint(0, 1) for _ in range(n)]
        c = [round(min(1.0, max(-1.0, rng.gauss(0.8 if y == 0 else 0.5, 0.2))), decimals) for y in labels]
        predicted = [0 if x >= 0.75 else 1 for x in c]
        cases.append(classifier_case(name, labels, c, predicted))
    cases.append(classifier_case('all_tied', [0, 1, 1, 0, 1], [0.5] * 5, [1, 1, 1, 1, 1]))
    cases.append(classifier_case('perfect', [0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]))
    cases.append(classifier_case('inverted', [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]))
    cases.append(classifier_case('none_predicted_safe', [0, 1, 0, 1, 1], [0.9, 0.8, 0.95, 0.77, 0.76], [0, 0, 0, 0, 0]))
    return {'sklearn': sklearn.__version__, 'numpy': np.__version__, 'cases': cases}


def write(name, obj):
    with open(os.path.join(OUT, name), 'w', encoding='utf-8') as f:
        json.dump(obj, f, ensure_ascii=True, indent=1)
        f.write('\n')


if __name__ == '__main__':
    if not os.path.isdir(ROOT):
        sys.exit('run from the repository root (datasets/ not found)')
    write('datasets.json', datasets())
    write('mmlu.json', mmlu())
    write('xsum.json', xsum())
    write('classifier.json', classifier())
