using System.Text.Json.Serialization;
using SpikeFit.Kernels.Core;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Connectivity that training respects (DESIGN §4b): every weighted layer computes with
/// Ŵ = mask ⊙ Ŵ_inner, Ŵ_inner the weights of <see cref="Inner"/> (CAT, STE, shared weights, TrueNorth
/// types, or the latent weights when null). The mask keeps at most <see cref="FanIn"/> inputs per
/// neuron and/or partitions the rows into cores of at most <see cref="NeuronsPerCore"/> rows that
/// read at most <see cref="CoreInputs"/> distinct inputs each; it is chosen from the warm start
/// (largest |w|; the greedy grouping of <see cref="ConnectivityMasks.GreedyCorePartition"/>), re-picked
/// from the latent weights every <see cref="ReviseEvery"/> optimiser steps up to step
/// <see cref="FreezeAfter"/>, then frozen. Masked-out weights are exactly zero: absent synapses.
/// Registered as "connectivity".
/// </summary>
/// <param name="Inner">The value constraint under the mask; null: float32 weights.</param>
/// <param name="FanIn">Largest number of inputs per neuron (k); 0: no per-neuron budget.</param>
/// <param name="CoreInputs">Largest number of distinct inputs per core (A); 0: no per-core budget.</param>
/// <param name="NeuronsPerCore">Rows per core (P) of the per-core budget; 0 with <paramref name="CoreInputs"/> = 0.</param>
/// <param name="ReviseEvery">Optimiser steps between revisions of the mask; 0: the warm start's mask throughout.</param>
/// <param name="FreezeAfter">Last step at which a revision may happen; later steps train under a frozen mask.</param>
/// <param name="OnlyOverBudget">Partition into cores only the layers that read more than <paramref name="CoreInputs"/> inputs per
/// neuron; the others keep the inner constraint's own cores (a conv net: its conv rows are channels shared by every spatial tile,
/// which the mapper tiles, while its dense classifier reads the flattened map and needs the budget). False: every layer (the mlp).</param>
public sealed record ConnectivitySpec(
    [property: JsonConverter(typeof(ConstraintSpecJsonConverter))] ConstraintSpec? Inner = null,
    int FanIn = 0, int CoreInputs = 0, int NeuronsPerCore = 0, int ReviseEvery = 0, int FreezeAfter = 0, bool OnlyOverBudget = false) : ConstraintSpec
{
    /// <summary>True when the layers (or, with <see cref="OnlyOverBudget"/>, those over it) are partitioned into cores with an input budget.</summary>
    [JsonIgnore]
    public bool HasCoreBudget => CoreInputs > 0;

    /// <summary>True when a layer of <paramref name="fanIn"/> inputs per neuron is partitioned into cores with an input budget.</summary>
    public bool CoreBudgetFor(int fanIn) => HasCoreBudget && (!OnlyOverBudget || fanIn > CoreInputs);

    public override string Describe()
    {
        var parts = new List<string>();
        if (FanIn > 0) parts.Add($"fan-in ≤ {FanIn}");
        if (HasCoreBudget) parts.Add($"≤ {CoreInputs} inputs per core of {NeuronsPerCore}{(OnlyOverBudget ? $" (layers reading more than {CoreInputs})" : "")}");
        parts.Add(ReviseEvery > 0 ? $"revised every {ReviseEvery} steps to step {FreezeAfter}" : "fixed at the warm start");
        return $"{Inner?.Describe() ?? "float32"}, mask {string.Join(", ", parts)}";
    }

    public override void Validate(NetworkSpec network)
    {
        if (FanIn < 0) throw new ArgumentException($"the fan-in budget must be at least 1 input per neuron, got {FanIn}.");
        if (CoreInputs < 0 || NeuronsPerCore < 0)
            throw new ArgumentException($"core budgets must be positive, got {CoreInputs} inputs per core and {NeuronsPerCore} neurons per core.");
        if ((CoreInputs > 0) != (NeuronsPerCore > 0))
            throw new ArgumentException("a per-core input budget needs both the inputs per core (A) and the neurons per core (P); give both or neither.");
        if (FanIn == 0 && CoreInputs == 0)
            throw new ArgumentException("a connectivity mask needs a fan-in budget per neuron, a per-core input budget, or both.");
        if (ReviseEvery < 0 || FreezeAfter < 0)
            throw new ArgumentException($"revision steps must be ≥ 0, got every {ReviseEvery} until {FreezeAfter}.");
        if (ReviseEvery > 0 && FreezeAfter < ReviseEvery)
            throw new ArgumentException($"masks revised every {ReviseEvery} steps need a freeze step of at least {ReviseEvery}, got {FreezeAfter}.");
        if (Inner is ConnectivitySpec) throw new ArgumentException("a connectivity mask cannot wrap another mask: give both budgets to one.");
        if (HasCoreBudget && network.Net != "mlp")
        {
            if (!OnlyOverBudget)
                throw new ArgumentException($"per-core input budgets partition dense layers' neurons into cores; the {network.Net} net's conv rows are channels shared by every position. Use the mlp, only a fan-in budget, or a budget on the layers over it only (deploy's plan).");
            var over = ModelZoo.ConvFanIns(network).Where(c => c.FanIn > CoreInputs).ToList();
            if (over.Count > 0)
                throw new ArgumentException($"{string.Join(", ", over.Select(c => $"conv layer {c.Name} reads {c.FanIn} inputs per neuron"))}, more than the {CoreInputs} inputs per core: " +
                                            "a conv layer's inputs would need kernel-tap masks, which a per-core budget does not train. Use a fan-in budget on it.");
        }
        if (Inner is ICoreScopedSpec { NeuronsPerCore: > 0 } scoped && HasCoreBudget && !OnlyOverBudget && scoped.NeuronsPerCore != NeuronsPerCore)
            throw new ArgumentException($"the per-core scope of {Inner.Describe()} has {scoped.NeuronsPerCore} neurons per core, the input budget {NeuronsPerCore}: cores must agree.");
        Inner?.Validate(network);
    }

    public override WeightConstraint Create(Backend backend, Parameter weight, int rows, int fanIn) =>
        Build(backend, weight, rows, fanIn, null);

    public override NetworkConstraints ForNetwork(Backend backend) => new Network(this, backend);

    private WeightConstraint Build(Backend backend, Parameter weight, int rows, int fanIn, NetworkConstraints? inner) =>
        new MaskedConstraint(backend, weight, rows, fanIn, this, layout =>
            Inner switch
            {
                null => null,
                ICoreScopedSpec { NeuronsPerCore: > 0 } scoped when layout is not null => scoped.Create(backend, weight, rows, fanIn, layout),
                _ when inner is not null => inner.Constrain(weight, rows, fanIn),
                _ => Inner.Create(backend, weight, rows, fanIn),
            });

    /// <summary>The layout a layer shares with its inner constraint: this spec's partition, or the inner per-core scope's contiguous one.</summary>
    internal CoreLayout? Layout(ReadOnlySpan<float> w, int rows, int fanIn)
    {
        if (CoreBudgetFor(fanIn))
            return new CoreLayout(rows, fanIn, NeuronsPerCore, ConnectivityMasks.GreedyCorePartition(w, rows, fanIn, NeuronsPerCore, CoreInputs));
        return Inner is ICoreScopedSpec { NeuronsPerCore: > 0 } scoped ? CoreLayout.Contiguous(rows, fanIn, scoped.NeuronsPerCore) : null;
    }

    /// <summary>The mask of weights <paramref name="w"/>: each core's top-A columns, then each row's top-k among them.</summary>
    internal bool[] Choose(ReadOnlySpan<float> w, int rows, int fanIn, CoreLayout? layout)
    {
        var allowed = CoreBudgetFor(fanIn) ? ConnectivityMasks.CoreInputMask(w, rows, fanIn, layout!.CoreOfRow, layout.Cores, CoreInputs) : null;
        if (FanIn > 0) return ConnectivityMasks.TopKPerRow(w, rows, fanIn, FanIn, allowed);
        // A layer within the per-core budget (OnlyOverBudget) keeps every synapse.
        return allowed ?? Enumerable.Repeat(true, rows * fanIn).ToArray();
    }

    /// <summary>Lets a whole-network inner constraint (CAT's network codebook) build and complete as it does alone.</summary>
    private sealed class Network : NetworkConstraints
    {
        private readonly ConnectivitySpec _spec;
        private readonly NetworkConstraints? _inner;

        public Network(ConnectivitySpec spec, Backend backend) : base(spec, backend)
        {
            _spec = spec;
            _inner = spec.Inner?.ForNetwork(backend);
        }

        public override WeightConstraint Constrain(Parameter weight, int rows, int fanIn) => _spec.Build(Backend, weight, rows, fanIn, _inner);

        public override void Complete(SpikingNetwork network) => _inner?.Complete(network);
    }
}
