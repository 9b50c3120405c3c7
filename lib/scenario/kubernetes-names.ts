// Name and label syntax from k8s.io/apimachinery/pkg/util/validation. Each returns the problem
// in words, or undefined when the text is valid.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Namespace names, external host names. */
export function dns1123LabelProblem(text: string): string | undefined {
  if (text.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(text)) {
    return "must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

/** Object names (pods, NetworkPolicies) and label-key prefixes. */
export function dns1123SubdomainProblem(text: string): string | undefined {
  if (text.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(text)) {
    return "must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  }
  return undefined;
}

/** Label and annotation keys: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function qualifiedNameProblem(text: string): string | undefined {
  const parts = text.split('/');
  if (parts.length > 2) return "a qualified name may contain at most one '/'";
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return 'the prefix part must be non-empty';
    const problem = dns1123SubdomainProblem(prefix);
    if (problem) return `the prefix part ${problem}`;
  }
  if (name === '') return 'the name part must be non-empty';
  if (name.length > 63) return 'the name part must be no more than 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) {
    return "the name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

export function labelValueProblem(text: string): string | undefined {
  if (text.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(text)) {
    return "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** IANA_SVC_NAME (RFC 6335), the syntax of named container ports. */
export function portNameProblem(text: string): string | undefined {
  if (text.length < 1 || text.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(text)) return "must contain only lowercase alphanumeric characters or '-'";
  if (!/[a-z]/.test(text)) return 'must contain at least one letter';
  if (text.includes('--')) return "must not contain consecutive hyphens ('--')";
  if (text.startsWith('-') || text.endsWith('-')) return "must not begin or end with a hyphen ('-')";
  return undefined;
}

export function portNumberProblem(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : 'must be between 1 and 65535, inclusive';
}
