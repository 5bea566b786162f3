using SpikeFit.Training.Compression;
using SpikeFit.Training.Pruning;

namespace SpikeFit.Experiments.M4.Methods;

/// <summary>
/// The registry of M = 4 methods, in the order runs.csv and the summary list them. Every method is
/// registered here once; <see cref="Sweep.SweepMethods"/> turns each into a sweep method, and
/// <c>reproduce m4</c> builds its preset grid from <see cref="All"/>. Adding a method is one class
/// implementing <see cref="IM4Method"/> plus one line in <see cref="CreateDefault"/> (or a
/// <see cref="Register"/> call before the command line is parsed).
/// </summary>
public sealed class M4Methods
{
    private readonly List<IM4Method> _methods = new();

    /// <summary>The registry the CLI uses.</summary>
    public static M4Methods Default { get; } = CreateDefault();

    /// <summary>Every method of DESIGN §5 and SpikeFit's, one registration line each.</summary>
    public static M4Methods CreateDefault()
    {
        var m = new M4Methods();
        m.Register(new Fp32Reference());
        m.Register(new PtqKMeans());
        m.Register(new UniformPtq());
        m.Register(new Qat());
        m.Register(new SteGrid("binary", SteQuantizer.Binary, 1, 2, "binary weights α·sign(w), α = mean |w|, trained with the STE (M = 2)"));
        m.Register(new SteGrid("ternary", SteQuantizer.Ternary, 2, 3, "ternary TWN weights {−α, 0, α}, trained with the STE (M = 3)"));
        m.Register(new SteGrid("uniform-2bit", SteQuantizer.UniformTwoBit, 2, 4, "uniform 2-bit weights trained with the STE (M = 4)"));
        m.Register(new DeepCompression());
        m.Register(new Lsq());
        m.Register(new Dkm());
        m.Register(new Mint());
        m.Register(new Cat());
        m.Register(new CatPruned("cat-fsc", "fsc", "spikefit"));
        foreach (var criterion in PruneCriteria.Names.Where(c => c != "fsc"))
            m.Register(new CatPruned($"cat-prune-{criterion}", criterion, "pruning"));
        return m;
    }

    /// <summary>Every registered method, in registration order.</summary>
    public IReadOnlyList<IM4Method> All => _methods;

    /// <summary>Adds a method.</summary>
    /// <exception cref="ArgumentException">The key or row name is taken, or the key is not a valid name.</exception>
    public void Register(IM4Method method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (!Sweep.SweepColumns.IsValidName(method.Key, allowDash: true))
            throw new ArgumentException($"M = 4 method key '{method.Key}' must be lower-case letters, digits, '-' or '_'.");
        if (_methods.Any(m => m.Key == method.Key || m.RowName == method.RowName))
            throw new ArgumentException($"M = 4 method '{method.Key}' (row name '{method.RowName}') is already registered.");
        _methods.Add(method);
    }

    /// <summary>The method with registry key or runs.csv name <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown, naming the known ones.</exception>
    public IM4Method Get(string name) =>
        _methods.FirstOrDefault(m => m.Key == name || m.RowName == name)
        ?? throw new ArgumentException($"unknown M = 4 method '{name}'; known: {string.Join(", ", _methods.Select(m => m.RowName))}.");

    /// <summary>The runs.csv names of the methods, in order (fp32 first).</summary>
    public IReadOnlyList<string> RowNames => _methods.Select(m => m.RowName).ToList();
}
