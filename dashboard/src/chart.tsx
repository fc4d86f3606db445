import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/**
 * A sparkline of counts per sample interval (uPlot on a canvas). Screen readers get the summary
 * in `label` (the canvas itself is hidden from them).
 */
const TONES = {
  neutral: { stroke: "#1f5fbf", fill: "rgba(31, 95, 191, 0.12)" },
  bad: { stroke: "#b3261e", fill: "rgba(179, 38, 30, 0.10)" },
};

export function Sparkline(props: {
  values: number[];
  sampleMs: number;
  endAt: number;
  label: string;
  tone?: keyof typeof TONES;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = (): uPlot.AlignedData => {
    const n = props.values.length;
    const xs = props.values.map((_, i) => (props.endAt - (n - 1 - i) * props.sampleMs) / 1000);
    return [xs, props.values];
  };

  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(120, box.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 48,
        pxAlign: false,
        cursor: { show: false },
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ show: false }, { show: false }],
        series: [{}, { ...TONES[props.tone ?? "neutral"], width: 1.5, points: { show: false } }],
      },
      data(),
      box.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data());
  }, [props.values, props.endAt]);

  return (
    <div class="spark" role="img" aria-label={props.label}>
      <div ref={box} aria-hidden="true" />
    </div>
  );
}
