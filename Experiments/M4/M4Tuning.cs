using System.Globalization;

namespace SpikeFit.Experiments.M4;

/// <summary>
/// The validation-split tuning of a point (<c>reproduce m4 --tune</c>): every candidate of the grid
/// (learning rates × temperatures, the latter only for a method with a temperature, DKM) runs the
/// method from the same warm start on the training split minus its last <see cref="ValFraction"/>, is
/// scored on that held-out part, and the best candidate (first on ties) is rerun on the whole
/// training split and measured on the test set. The same grid and procedure for every method, CAT
/// included; the test set is never seen while choosing.
/// </summary>
/// <param name="LearningRates">Fine-tune learning rates to try.</param>
/// <param name="Temperatures">DKM temperatures (τ in units of the weights' std) to try; empty: the method's own.</param>
/// <param name="ValFraction">Fraction of the training split held out for scoring (its last samples).</param>
/// <param name="Seed">
/// The seed whose warm start, initialisation and shuffling score the candidates; every seed of the
/// run then uses that choice (cached in the models folder), so tuning costs one seed, not every seed,
/// and the seeds stay replicates of one setting. Null: each point tunes on its own seed.
/// </param>
public sealed record M4Tuning(double[] LearningRates, double[] Temperatures, double ValFraction, int? Seed = null)
{
    /// <summary>The seed the presets tune on (the first seed of every preset).</summary>
    public const int DefaultSeed = 1;

    /// <summary>The preset grid: the net's fine-tune learning rate × {½, 1, 2}.</summary>
    public static readonly double[] LearningRateFactors = { 0.5, 1, 2 };

    /// <summary>The preset grid of DKM temperatures.</summary>
    public static readonly double[] DefaultTemperatures = { 0.05, 0.1, 0.2 };

    /// <summary>The held-out fraction the preset uses.</summary>
    public const double DefaultValFraction = 0.1;

    /// <summary>"0.00015;0.0003": how a list travels as one grid value.</summary>
    public static string Format(IEnumerable<double> values) => string.Join(";", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Parses a ";"-separated list of positive numbers ("" is the empty list).</summary>
    /// <exception cref="ArgumentException">A value that is not a positive number, naming the key.</exception>
    public static double[] ParseList(string text, string key)
    {
        if (string.IsNullOrWhiteSpace(text)) return Array.Empty<double>();
        return text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v
                : throw new ArgumentException($"{key}: '{s}' is not a positive number; give a ';'-separated list such as \"0.00015;0.0003;0.0006\".")).ToArray();
    }

    /// <summary>Checks the fraction leaves both parts non-empty.</summary>
    public void Validate(int trainCount)
    {
        if (LearningRates.Length == 0) throw new ArgumentException("tune_lr: tuning needs at least one learning rate.");
        if (!(ValFraction > 0 && ValFraction < 1)) throw new ArgumentException($"val_fraction must be in (0, 1), got {ValFraction}.");
        int val = ValCount(trainCount);
        if (val < 1 || val >= trainCount)
            throw new ArgumentException($"val_fraction {ValFraction} of {trainCount} training samples leaves an empty part; choose a fraction that keeps both.");
    }

    /// <summary>Samples held out: ⌈fraction·N⌉.</summary>
    public int ValCount(int trainCount) => (int)Math.Ceiling(ValFraction * trainCount);
}
