// Types of parse-prometheus-text-format 1.1 (it ships none): the families of an exposition.
declare module "parse-prometheus-text-format" {
  interface Sample {
    labels?: Record<string, string>;
    value: string;
  }
  interface HistogramSample {
    labels?: Record<string, string>;
    buckets: Record<string, string>;
    count: string;
    sum: string;
  }
  interface Family {
    name: string;
    help: string;
    type: string;
    metrics: (Sample | HistogramSample)[];
  }
  export default function parse(text: string): Family[];
}
