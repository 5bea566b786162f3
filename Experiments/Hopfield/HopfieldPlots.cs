using ScottPlot;
using SpikeFit.Training.Hopfield;
using SpikeFit.Training.IO;

namespace SpikeFit.Experiments.Hopfield;

/// <summary>Overlap vs weight rank (as rank/N, so sizes line up), simulation and theory, with the predicted cut-off.</summary>
public static class HopfieldPlots
{
    private static readonly Color[] Palette = { Colors.C0, Colors.C1, Colors.C2, Colors.C3, Colors.C4 };

    /// <summary>One PNG per (distribution, M/N): every N of the run in its own colour. Returns the files written.</summary>
    public static List<string> Write(string directory, IReadOnlyList<HopfieldConfigResult> results)
    {
        var files = new List<string>();
        var groups = results.GroupBy(r => (r.Config.Distribution.Label, Ratio: (double)r.Config.M / r.Config.N));
        foreach (var g in groups)
        {
            var plot = new Plot();
            int c = 0;
            foreach (var r in g.OrderBy(r => r.Config.N))
            {
                var color = Palette[c++ % Palette.Length];
                int n = r.Config.N;
                var rows = r.Patterns;
                var xs = rows.Select(p => p.Rank / (double)n).ToArray();
                var sim = plot.Add.ScatterPoints(xs, rows.Select(p => p.OverlapSim).ToArray());
                sim.Color = color.WithAlpha(0.6);
                sim.MarkerSize = 3;
                sim.LegendText = $"N={n} simulation";
                var retrieved = rows.Where(p => p.OverlapTheory.HasValue).ToArray();
                if (retrieved.Length > 0)
                {
                    var th = plot.Add.ScatterLine(retrieved.Select(p => p.Rank / (double)n).ToArray(),
                        retrieved.Select(p => p.OverlapTheory!.Value).ToArray());
                    th.Color = color;
                    th.LineWidth = 2;
                    th.LegendText = $"N={n} theory";
                }
                var cut = plot.Add.VerticalLine(r.Summary.RetrievedTheory / (double)n);
                cut.Color = color;
                cut.LinePattern = LinePattern.Dashed;
                cut.LineWidth = 1.5f;
                cut.LegendText = r.Summary.RetrievedTheory > 0 ? $"N={n} predicted cut-off (rank {r.Summary.RetrievedTheory}, r_c = {r.Summary.RC:G3})" : $"N={n}: theory retrieves none (r_c = {r.Summary.RC:G3})";
            }
            var threshold = plot.Add.HorizontalLine(HopfieldReproduction.RetrievedThreshold);
            threshold.Color = Colors.Gray;
            threshold.LinePattern = LinePattern.Dotted;
            threshold.LegendText = $"retrieval threshold m = {HopfieldReproduction.RetrievedThreshold}";
            // Zoom on the cut-off (the tail beyond it is a flat band of spurious end states);
            // the whole range when neither theory nor simulation retrieves anything.
            double focus = 0;
            foreach (var r in g)
            {
                focus = Math.Max(focus, 2.0 * r.Summary.RetrievedTheory / r.Config.N);
                var lastSim = r.Patterns.LastOrDefault(p => p.RetrievedSim);
                if (lastSim is not null) focus = Math.Max(focus, 1.5 * lastSim.Rank / r.Config.N);
            }
            double xMax = focus == 0 ? g.Key.Ratio : Math.Min(g.Key.Ratio, Math.Max(focus, 0.1));
            plot.Axes.SetLimitsX(0, xMax * 1.02);
            string ratio = g.Key.Ratio == 1 ? "M = N" : g.Key.Ratio == 0.5 ? "M = N/2" : $"M/N = {g.Key.Ratio:G3}";
            plot.Title($"{g.Key.Label}, {ratio}: overlap after retrieval vs weight rank{(xMax < g.Key.Ratio ? " (zoomed on the cut-off)" : "")}");
            plot.XLabel("weight rank / N (heaviest first)");
            plot.YLabel("overlap m with the start pattern");
            plot.Axes.SetLimitsY(-0.1, 1.08);
            plot.ShowLegend(Alignment.MiddleRight);
            string name = $"overlap_{g.Key.Label.Replace(" λ=", "_lambda").Replace('.', 'p')}_m{(g.Key.Ratio == 1 ? "N" : g.Key.Ratio == 0.5 ? "Nhalf" : g.Key.Ratio.ToString("G3"))}.png";
            string path = Path.Combine(directory, name);
            AtomicFile.WriteVia(path, tmp => plot.SavePng(tmp, 1000, 620));
            files.Add(path);
        }
        return files;
    }
}
