// Mantine's BarChart (recharts, the page's largest library), loaded apart:
// a page shows its tables first and its chart once that code is in.
import type { BarChartProps } from "@mantine/charts";
import { Suspense, lazy } from "react";

const BarChart = lazy(() => import("@mantine/charts").then((m) => ({ default: m.BarChart })));

/** The chart, with a blank of its height (`h`, in pixels) until its code is in. */
export function LazyBarChart(props: BarChartProps & { h: number }) {
  return (
    <Suspense fallback={<div style={{ height: props.h }} />}>
      <BarChart {...props} />
    </Suspense>
  );
}
