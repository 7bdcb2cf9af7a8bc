/** Export the run (JSON, CSV) and any panel (the loss chart as PNG, the SVG panels as SVG). */
import { getSeries } from '../app/controller';
import { download, runToCsv, runToJson } from '../app/exportRun';
import { useLab } from '../app/store';

function stamp(): string {
  const p = useLab.getState().params;
  return `sparse-rtrl-${p.task}-n${p.n}-k${p.k}-seed${p.seed}`;
}

export function ExportBar() {
  const exportJson = () => download(`${stamp()}.json`, new Blob([JSON.stringify(runToJson(useLab.getState(), getSeries()), null, 1)], { type: 'application/json' }));
  const exportCsv = () => download(`${stamp()}.csv`, new Blob([runToCsv(useLab.getState(), getSeries())], { type: 'text/csv' }));
  const exportPng = () => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=loss-chart] canvas');
    canvas?.toBlob((blob) => blob && download(`${stamp()}-loss.png`, blob), 'image/png');
  };
  const exportSvgs = () => {
    document.querySelectorAll<SVGSVGElement>('.analysis svg').forEach((svg, i) => {
      const clone = svg.cloneNode(true) as SVGSVGElement;
      clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
      download(`${stamp()}-panel${i + 1}.svg`, new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }));
    });
  };
  return (
    <div className="export" role="group" aria-label="export">
      <span>Export:</span>
      <button type="button" onClick={exportJson} data-testid="export-json">
        run (JSON)
      </button>
      <button type="button" onClick={exportCsv} data-testid="export-csv">
        curves (CSV)
      </button>
      <button type="button" onClick={exportPng} data-testid="export-png">
        loss chart (PNG)
      </button>
      <button type="button" onClick={exportSvgs}>
        panels (SVG)
      </button>
    </div>
  );
}
