import { XMLBuilder } from 'fast-xml-parser';
import type { QualityReport } from './quality-runner.ts';

/**
 * A `meshgate test` report as JUnit XML, the format CI servers read test results from: one
 * `<testsuite>` per product, one `<testcase>` per rule run (classname = product, name =
 * where the rule is written), a `<failure>` with the finding's message where it failed.
 */
export function toJunitXml(report: QualityReport): string {
  const suites = report.products.map((product) => {
    const results = report.results.filter((result) => result.product === product.name);
    return {
      '@_name': product.name,
      '@_tests': results.length,
      '@_failures': results.filter((result) => !result.ok).length,
      '@_errors': 0,
      testcase: results.map((result) => ({
        '@_classname': `${result.product}.${result.element}`,
        '@_name': `${result.source} ${result.title}`,
        ...(result.ok ? {} : { failure: { '@_type': result.rule, '@_message': result.message } }),
      })),
    };
  });
  return build({
    testsuites: {
      '@_name': 'meshgate test',
      '@_tests': report.results.length,
      '@_failures': report.results.filter((result) => !result.ok).length,
      '@_time': (report.durationMs / 1000).toFixed(3),
      testsuite: suites,
    },
  });
}

/**
 * A run that ended before any rule was judged (a refused token, an unreachable gateway, a
 * malformed rule) as JUnit XML: one `<error>` with the code, so CI shows why rather than
 * a missing file.
 */
export function toJunitErrorXml(code: string, message: string): string {
  return build({
    testsuites: {
      '@_name': 'meshgate test',
      '@_tests': 1,
      '@_failures': 0,
      '@_errors': 1,
      testsuite: [
        { '@_name': 'meshgate test', '@_tests': 1, '@_failures': 0, '@_errors': 1, testcase: [{ '@_classname': 'meshgate', '@_name': 'run', error: { '@_type': code, '@_message': message } }] },
      ],
    },
  });
}

function build(document: Record<string, unknown>): string {
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(document)}`;
}
