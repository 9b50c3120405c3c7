// Labels and metav1.LabelSelector, validated as apimachinery's ValidateLabels / ValidateLabelSelector do.
import type { LabelSelector, LabelSelectorRequirement, Labels } from '../model/types.ts';
import { excerpt } from '../errors.ts';
import { isAbsent, readList, readObject, readString, readStringMap, required } from './fields.ts';
import { labelValueProblem, qualifiedNameProblem } from './kubernetes-names.ts';
import type { Location } from './location.ts';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export function readLabels(value: unknown, at: Location): Labels {
  const labels = readStringMap(value, at);
  for (const [key, text] of Object.entries(labels)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) at.key(key).fail(`invalid label key: ${keyProblem}`);
    const valueProblem = labelValueProblem(text);
    if (valueProblem) at.key(key).fail(`invalid label value ${excerpt(text)}: ${valueProblem}`);
  }
  return labels;
}

export function readLabelSelector(value: unknown, at: Location): LabelSelector {
  const object = readObject(value, at, ['matchLabels', 'matchExpressions']);
  const selector: LabelSelector = {};
  if (!isAbsent(object.matchLabels)) selector.matchLabels = readLabels(object.matchLabels, at.key('matchLabels'));
  if (!isAbsent(object.matchExpressions)) {
    const list = at.key('matchExpressions');
    selector.matchExpressions = readList(object.matchExpressions, list).map((entry, i) => readRequirement(entry, list.index(i)));
  }
  return selector;
}

function readRequirement(value: unknown, at: Location): LabelSelectorRequirement {
  const object = readObject(value, at, ['key', 'operator', 'values']);
  const key = readString(required(object, 'key', at), at.key('key'));
  const keyProblem = qualifiedNameProblem(key);
  if (keyProblem) at.key('key').fail(`invalid label key ${excerpt(key)}: ${keyProblem}`);
  const operator = readString(required(object, 'operator', at), at.key('operator'));
  if (!(OPERATORS as readonly string[]).includes(operator)) {
    at.key('operator').fail(`${excerpt(operator)} is not a valid selector operator (In, NotIn, Exists, DoesNotExist)`);
  }
  const values = isAbsent(object.values)
    ? []
    : readList(object.values, at.key('values')).map((v, i) => readString(v, at.key('values').index(i)));
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    at.key('values').fail("must be specified when `operator` is 'In' or 'NotIn'");
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    at.key('values').fail("may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
  }
  values.forEach((text, i) => {
    const problem = labelValueProblem(text);
    if (problem) at.key('values').index(i).fail(`invalid label value ${excerpt(text)}: ${problem}`);
  });
  const requirement: LabelSelectorRequirement = { key, operator: operator as LabelSelectorRequirement['operator'] };
  if (!isAbsent(object.values)) requirement.values = values;
  return requirement;
}
