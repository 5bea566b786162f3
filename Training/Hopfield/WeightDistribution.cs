using System.Globalization;
using SpikeFit.Kernels.Encoding;

namespace SpikeFit.Training.Hopfield;

/// <summary>How pattern weights r_μ are drawn.</summary>
public enum WeightKind
{
    /// <summary>r_μ = 1 (the classic Hopfield model).</summary>
    Equal,
    /// <summary>r_μ = q^(μ−1), q = e^(−λ/N): the newest pattern (μ = 1) is the heaviest — online learning.</summary>
    Geometric,
    /// <summary>r_μ uniform in (0, 1], drawn from the seed with a counter-based hash.</summary>
    Uniform,
    /// <summary>A user-supplied list.</summary>
    Custom,
}

/// <summary>A weight distribution for the weighted-pattern Hopfield model (DESIGN §8).</summary>
public sealed record WeightDistribution(WeightKind Kind, double Lambda = double.NaN, double[]? Values = null)
{
    private const uint Stream = 0x57656967; // "Weig"

    public static WeightDistribution Equal { get; } = new(WeightKind.Equal);
    public static WeightDistribution Uniform { get; } = new(WeightKind.Uniform);
    public static WeightDistribution Geometric(double lambda) =>
        lambda > 0 ? new(WeightKind.Geometric, lambda) : throw new ArgumentException($"λ must be positive, got {lambda}.");

    /// <summary>A user-supplied list; every value must be finite and positive.</summary>
    public static WeightDistribution Custom(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("The weight list is empty.");
        foreach (var v in values)
            if (!double.IsFinite(v) || v <= 0) throw new ArgumentException($"Weights must be finite and positive; got {v}.");
        return new(WeightKind.Custom, Values: values.ToArray());
    }

    /// <summary>Reads weights from a text file: numbers separated by whitespace, commas or semicolons; '#' starts a comment.</summary>
    public static WeightDistribution FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weight file '{path}' not found.");
        var values = new List<double>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            var text = raw.Split('#')[0];
            foreach (var token in text.Split(new[] { ' ', '\t', ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw new ArgumentException($"Weight file '{path}' line {line}: '{token}' is not a number.");
                values.Add(v);
            }
        }
        return Custom(values);
    }

    /// <summary>Short name for tables: equal, geometric, uniform, custom.</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>Label with the parameter, e.g. "geometric λ=8.45".</summary>
    public string Label => Kind == WeightKind.Geometric ? $"geometric λ={Lambda.ToString("G4", CultureInfo.InvariantCulture)}" : Name;

    /// <summary>The weights r_1..r_M for N neurons (index 0 is μ = 1). Custom lists must have at least M values.</summary>
    public double[] Weights(int m, int n, uint seed)
    {
        if (m <= 0 || n <= 0) throw new ArgumentException("M and N must be positive.");
        var r = new double[m];
        switch (Kind)
        {
            case WeightKind.Equal: Array.Fill(r, 1.0); break;
            case WeightKind.Geometric:
                for (int mu = 0; mu < m; mu++) r[mu] = Math.Exp(-Lambda * mu / n); // q^(μ−1), q = e^(−λ/N)
                break;
            case WeightKind.Uniform:
                // 1 − U with U in [0, 1) on a 2^-24 grid: (0, 1], never 0.
                for (int mu = 0; mu < m; mu++) r[mu] = 1.0 - CounterRng.Uniform(seed, (uint)mu, 0, Stream);
                break;
            case WeightKind.Custom:
                if (Values!.Length < m) throw new ArgumentException($"The weight list has {Values.Length} values; {m} are needed.");
                Array.Copy(Values, r, m);
                break;
        }
        return r;
    }

    /// <summary>Parses "equal", "uniform", "geometric:λ" or "file:PATH".</summary>
    public static WeightDistribution Parse(string text)
    {
        var t = text.Trim();
        if (t.Equals("equal", StringComparison.OrdinalIgnoreCase)) return Equal;
        if (t.Equals("uniform", StringComparison.OrdinalIgnoreCase)) return Uniform;
        if (t.StartsWith("geometric:", StringComparison.OrdinalIgnoreCase) &&
            double.TryParse(t[10..], NumberStyles.Float, CultureInfo.InvariantCulture, out var lambda)) return Geometric(lambda);
        if (t.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return FromFile(t[5..]);
        throw new ArgumentException($"Unknown weight distribution '{text}'; use equal, uniform, geometric:λ or file:PATH.");
    }
}
