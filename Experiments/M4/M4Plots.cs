using System.Globalization;
using ScottPlot;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// The PNG figures of reproduce m4, drawn from the summary rows (means over seeds, ±1 sample std error
/// bars). Each figure has one panel per net, side by side, and one legend (right) for all panels: a
/// method keeps its colour and marker in every panel and every figure.
/// </summary>
public static class M4Plots
{
    /// <summary>File names of the figures, in the order <see cref="Write"/> returns them.</summary>
    public const string AccuracyVsEnergy = "accuracy_vs_energy.png", AccuracyVsSize = "accuracy_vs_size.png",
                        AccuracyByMethod = "accuracy_by_method.png", AccuracyVsBits = "accuracy_vs_bits.png";

    /// <summary>A x-range wider than this ratio (max/min) is drawn on a log scale.</summary>
    public const double LogScaleRatio = 3;

    private const int PanelWidth = 640, LegendWidth = 260, Height = 560;

    // Colours and markers per family, so the family reads at a glance: SpikeFit rows large red/orange diamonds,
    // baselines cool filled then open shapes, pruning criteria muted circled shapes, FP32 dark grey.
    private static readonly (string[] Colors, MarkerShape[] Shapes, float Size) ReferenceStyles =
        (new[] { "#333333", "#666666" }, new[] { MarkerShape.FilledCircle, MarkerShape.OpenCircle }, 11);
    private static readonly (string[] Colors, MarkerShape[] Shapes, float Size) SpikeFitStyles =
        (new[] { "#d62728", "#ff7f0e", "#e7298a", "#a50f15" }, new[] { MarkerShape.FilledDiamond, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp }, 14);
    private static readonly (string[] Colors, MarkerShape[] Shapes, float Size) BaselineStyles =
        (new[] { "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939" },
         new[] { MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledTriangleDown,
                 MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenTriangleDown }, 10);
    private static readonly (string[] Colors, MarkerShape[] Shapes, float Size) PruningStyles =
        (new[] { "#1b9e77", "#7570b3", "#66a61e", "#a6761d", "#e6ab02", "#666666" },
         new[] { MarkerShape.OpenCircleWithDot, MarkerShape.OpenCircleWithCross, MarkerShape.OpenCircleWithEks, MarkerShape.TriangleWithLineLeft }, 11);

    /// <summary>
    /// Writes accuracy_vs_energy.png, accuracy_vs_size.png, accuracy_by_method.png and accuracy_vs_bits.png
    /// (every method's points against bits per synapse, with the Pareto front drawn) into
    /// <paramref name="folder"/> and returns their paths; nothing (an empty list) when there are no rows.
    /// </summary>
    public static List<string> Write(string folder, IReadOnlyList<SummaryRow> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.Count == 0) return new List<string>();
        Directory.CreateDirectory(folder);
        var styles = Styles(summary);
        var nets = summary.GroupBy(r => r.Net).Select(g => (Net: g.Key, Rows: g.ToList())).ToList();
        return new List<string>
        {
            Save(folder, AccuracyVsEnergy, Scatter(nets, styles, r => r.EnergyUjMean, "energy per inference (µJ, Horowitz 45 nm)", "accuracy vs energy")),
            Save(folder, AccuracyVsSize, Scatter(nets, styles, r => r.ModelSizeKibMean, "model size (KiB)", "accuracy vs model size")),
            Save(folder, AccuracyByMethod, ByMethod(nets, styles)),
            Save(folder, AccuracyVsBits, Scatter(nets, styles, r => r.BitsPerSynapseMean, "bits per synapse (stored index or value per weight)", "accuracy vs bits per synapse", front: true)),
        };
    }

    private sealed record Style(Color Color, MarkerShape Shape, float Size);

    /// <summary>A colour and marker per method (by family, in summary order), shared by every panel and figure.</summary>
    private static Dictionary<string, Style> Styles(IReadOnlyList<SummaryRow> summary)
    {
        var styles = new Dictionary<string, Style>(StringComparer.Ordinal);
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in summary)
        {
            if (styles.ContainsKey(r.Method)) continue;
            var set = r.Family switch
            {
                SummaryTable.Reference => ReferenceStyles,
                SummaryTable.SpikeFit => SpikeFitStyles,
                SummaryTable.Pruning => PruningStyles,
                _ => BaselineStyles,
            };
            string key = r.Family is SummaryTable.Reference or SummaryTable.SpikeFit or SummaryTable.Pruning ? r.Family : SummaryTable.Baseline;
            int i = used.GetValueOrDefault(key);
            used[key] = i + 1;
            // Colour and shape cycle with different periods, so pairs stay distinct well past either count.
            styles[r.Method] = new Style(Color.FromHex(set.Colors[i % set.Colors.Length]), set.Shapes[i % set.Shapes.Length], set.Size);
        }
        return styles;
    }

    private static Multiplot Scatter(List<(string Net, List<SummaryRow> Rows)> nets, Dictionary<string, Style> styles,
                                     Func<SummaryRow, double> x, string xLabel, string what, bool front = false)
    {
        var multi = NewMultiplot(nets.Count);
        for (int p = 0; p < nets.Count; p++)
        {
            var (net, rows) = nets[p];
            var plot = multi.GetPlot(p);
            var finite = rows.Where(r => double.IsFinite(x(r)) && x(r) > 0).ToList();
            bool log = finite.Count > 0 && finite.Max(x) / finite.Min(x) > LogScaleRatio;
            Func<double, double> tx = log ? Math.Log10 : v => v;
            foreach (var method in finite.GroupBy(r => r.Method))
            {
                var pts = method.ToList();
                var style = styles[method.Key];
                double[] xs = pts.Select(r => tx(x(r))).ToArray(), ys = pts.Select(r => r.AccuracyMeanPct).ToArray();
                AddErrorBars(plot, xs, ys, pts.Select(r => r.AccuracyStdPct ?? 0).ToArray(), horizontal: false, style.Color);
                plot.Add.Markers(xs, ys, style.Shape, style.Size, style.Color);
                // A method run at several bit-widths (or criteria) gets each point labelled; SpikeFit's labels go on the
            // left and the others' on the right, so the two do not collide where CAT sits next to a baseline.
                if (pts.Count > 1)
                    for (int i = 0; i < pts.Count; i++)
                        Label(plot, PointLabel(pts[i]), xs[i], ys[i], style.Color, left: pts[i].Family == SummaryTable.SpikeFit);
            }
            if (front) AddFront(plot, ParetoFront(finite, x).Select(r => (tx(x(r)), r.AccuracyMeanPct)).ToList());
            if (log) LogTicks(plot, finite.Min(x), finite.Max(x));
            plot.Title($"{net}: {what}", 15);
            plot.XLabel(xLabel + (log ? ", log scale" : ""), 13);
            plot.YLabel("test accuracy (%)", 13);
            Pad(plot);
        }
        AddLegend(multi.GetPlot(nets.Count - 1), styles, nets);
        return multi;
    }

    /// <summary>
    /// The rows no other row dominates (another row with x at most as large and a higher mean accuracy, or a
    /// smaller x and the same accuracy), ordered by x: the best accuracy reachable at each size.
    /// </summary>
    public static List<SummaryRow> ParetoFront(IReadOnlyList<SummaryRow> rows, Func<SummaryRow, double> x)
    {
        var front = new List<SummaryRow>();
        double best = double.NegativeInfinity;
        // Ascending x, and at equal x the most accurate first: a row is on the front when it beats every smaller one.
        foreach (var r in rows.OrderBy(x).ThenByDescending(r => r.AccuracyMeanPct))
        {
            if (!(r.AccuracyMeanPct > best)) continue;
            front.Add(r);
            best = r.AccuracyMeanPct;
        }
        return front;
    }

    /// <summary>The front as a grey dashed staircase (accuracy holds until the next front point), behind the markers.</summary>
    private static void AddFront(Plot plot, List<(double X, double Y)> points)
    {
        if (points.Count < 2) return;
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < points.Count; i++)
        {
            if (i > 0) { xs.Add(points[i].X); ys.Add(points[i - 1].Y); }
            xs.Add(points[i].X);
            ys.Add(points[i].Y);
        }
        var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
        line.Color = Colors.Gray;
        line.LinePattern = LinePattern.Dashed;
        line.LineWidth = 1.5f;
        line.LegendText = "";
        plot.MoveToBack(line);
    }

    /// <summary>One row per summary row (method, bits, criterion), accuracy along x, the FP32 reference as a dashed line.</summary>
    private static Multiplot ByMethod(List<(string Net, List<SummaryRow> Rows)> nets, Dictionary<string, Style> styles)
    {
        var multi = NewMultiplot(nets.Count);
        for (int p = 0; p < nets.Count; p++)
        {
            var (net, rows) = nets[p];
            var plot = multi.GetPlot(p);
            int n = rows.Count;
            for (int i = 0; i < n; i++)
            {
                var r = rows[i];
                var style = styles[r.Method];
                double y = n - 1 - i; // first table row on top
                AddErrorBars(plot, new[] { r.AccuracyMeanPct }, new[] { y }, new[] { r.AccuracyStdPct ?? 0 }, horizontal: true, style.Color);
                plot.Add.Markers(new[] { r.AccuracyMeanPct }, new[] { y }, style.Shape, style.Size, style.Color);
            }
            var fp32 = rows.FirstOrDefault(r => r.Family == SummaryTable.Reference);
            if (fp32 is not null)
            {
                var line = plot.Add.VerticalLine(fp32.AccuracyMeanPct);
                line.Color = Colors.Gray;
                line.LinePattern = LinePattern.Dashed;
                line.LineWidth = 1.5f;
            }
            plot.Axes.Left.SetTicks(Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray(), rows.Select(RowLabel).ToArray());
            plot.Axes.Left.TickLabelStyle.FontSize = 12;
            plot.Axes.Left.MajorTickStyle.Length = 0;
            plot.Title($"{net}: accuracy by method", 15);
            plot.XLabel($"test accuracy (%), mean ± std over seeds{(fp32 is null ? "" : "; dashed line: FP32")}", 13);
            Pad(plot);
            plot.Axes.SetLimitsY(-0.7, n - 0.3);
        }
        AddLegend(multi.GetPlot(nets.Count - 1), styles, nets);
        return multi;
    }

    private static Multiplot NewMultiplot(int panels)
    {
        var multi = new Multiplot();
        // The default multiplot starts with one plot; add the rest.
        while (multi.Count() < panels) multi.AddPlot();
        multi.Layout = new WideLastColumn(LegendWidth);
        return multi;
    }

    private static void AddErrorBars(Plot plot, double[] xs, double[] ys, double[] err, bool horizontal, Color color)
    {
        if (err.All(e => e == 0)) return;
        var zero = new double[err.Length];
        var bars = horizontal
            ? new ScottPlot.Plottables.ErrorBar(xs, ys, err, err, zero, zero)
            : new ScottPlot.Plottables.ErrorBar(xs, ys, zero, zero, err, err);
        bars.Color = color;
        bars.LineWidth = 1.5f;
        bars.CapSize = 6;
        plot.Add.Plottable(bars);
    }

    private static void Label(Plot plot, string text, double x, double y, Color color, bool left)
    {
        var t = plot.Add.Text(text, x, y);
        t.LabelFontSize = 11;
        t.LabelFontColor = color;
        t.LabelAlignment = left ? Alignment.MiddleRight : Alignment.MiddleLeft;
        t.OffsetX = left ? -10 : 9;
    }

    /// <summary>Major ticks at 1, 2, 5 × 10^k (or only 10^k over many decades) on a log10-transformed axis.</summary>
    private static void LogTicks(Plot plot, double min, double max)
    {
        var values = new List<double>();
        int k0 = (int)Math.Floor(Math.Log10(min)) - 1, k1 = (int)Math.Ceiling(Math.Log10(max)) + 1;
        double[] mantissas = k1 - k0 > 6 ? new[] { 1.0 } : new[] { 1.0, 2.0, 5.0 };
        for (int k = k0; k <= k1; k++)
            foreach (double m in mantissas) values.Add(m * Math.Pow(10, k));
        plot.Axes.Bottom.SetTicks(values.Select(Math.Log10).ToArray(),
                                  values.Select(v => v.ToString(v >= 1 ? "0" : "G3", CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Margins so markers, error bars and point labels are not cut at the frame.</summary>
    private static void Pad(Plot plot)
    {
        plot.Axes.AutoScale();
        var lim = plot.Axes.GetLimits();
        double dx = Math.Max(lim.Right - lim.Left, 1e-9), dy = Math.Max(lim.Top - lim.Bottom, 1e-9);
        plot.Axes.SetLimits(lim.Left - 0.08 * dx, lim.Right + 0.15 * dx, lim.Bottom - 0.08 * dy, lim.Top + 0.08 * dy);
    }

    /// <summary>The legend of every method present in any panel, outside the last panel on its right.</summary>
    private static void AddLegend(Plot plot, Dictionary<string, Style> styles, List<(string Net, List<SummaryRow> Rows)> nets)
    {
        var present = nets.SelectMany(n => n.Rows).Select(r => (r.Method, r.Family)).Distinct().ToList();
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.Clear();
        foreach (var (method, family) in present)
        {
            var s = styles[method];
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"{method} ({family})",
                MarkerShape = s.Shape, MarkerSize = s.Size, MarkerColor = s.Color, MarkerFillColor = s.Color, MarkerLineColor = s.Color,
                LineWidth = 0,
            });
        }
        plot.Legend.FontSize = 12;
        plot.ShowLegend(Edge.Right);
    }

    /// <summary>Equal columns for the panels, the last one wider by the legend's width, so every data area has the same size.</summary>
    private sealed class WideLastColumn(float extra) : IMultiplotLayout
    {
        public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figureRect)
        {
            int n = subplots.Count;
            float width = (figureRect.Width - extra) / n;
            return Enumerable.Range(0, n)
                .Select(i => new PixelRect(figureRect.Left + i * width, figureRect.Left + (i + 1) * width + (i == n - 1 ? extra : 0),
                                           figureRect.Bottom, figureRect.Top))
                .ToArray();
        }
    }

    private static string PointLabel(SummaryRow r) =>
        (r.Bits == 32 ? "float" : $"{r.Bits}b") + (r.PruneCriterion.Length > 0 ? $" {r.PruneCriterion}" : "");

    private static string RowLabel(SummaryRow r) =>
        SummaryMarkdown.Label(r.Method, r.Bits)
        + (r.PruneCriterion.Length > 0 && !r.Method.Contains(r.PruneCriterion, StringComparison.Ordinal) ? $" ({r.PruneCriterion})" : "")
        // Rows outside the M = 4 comparison (binary M = 2, ternary M = 3) say so.
        + (r.M != 0 && r.M != SummaryTable.ComparedM ? $", M = {r.M}" : "");

    private static string Save(string folder, string name, Multiplot multi)
    {
        int panels = multi.Count();
        string path = Path.Combine(folder, name);
        Training.IO.AtomicFile.WriteVia(path, tmp => multi.SavePng(tmp, panels * PanelWidth + LegendWidth, Height));
        return path;
    }
}
