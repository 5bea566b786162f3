using SpikeFit.Kernels.Codebook;
using SpikeFit.Kernels.Core;
using SpikeFit.Training.Compression;
using SpikeFit.Training.Hardware;
using CodebookScope = SpikeFit.Training.Hardware.CodebookScope;

namespace SpikeFit.Training.Models.Constraints;

/// <summary>
/// Ŵ = mask ⊙ Ŵ_inner for one layer (the constraint a <see cref="ConnectivitySpec"/> builds). On the
/// device the product is a gather from [Ŵ_inner, 0] with index i where the synapse exists and the zero
/// slot where it does not (<c>ICodebookKernels.Gather</c>), so masked weights are exactly 0.0f on every
/// backend and nothing is copied to the host per step.
/// <para>Gradients: exact. The latent weights and the inner constraint's own parameters (codebooks,
/// TrueNorth values) see mask ⊙ ∂L/∂Ŵ, so a masked-out latent weight keeps its value (less any weight
/// decay) and a revision swaps it back in only when kept weights have shrunk below it. (Passing
/// ∂L/∂Ŵ straight through to masked latents, as SR-STE does, was tried first: they drift with no
/// effect on the loss, and each revision then swapped in untested weights: the 784-512-10 MLP with
/// k = 64 tested 39.7 % after its first revision against 81.1 % with the mask fixed; see DESIGN §4b.)</para>
/// <para>State saved in checkpoints as parameters with learning-rate scale 0 (never stepped):
/// "&lt;layer&gt;.mask" [rows, fanIn] (0/1), "&lt;layer&gt;.cores" [rows] (core index, with a core budget)
/// and "&lt;layer&gt;.mask_step" (optimiser steps seen, counted on the device).</para>
/// </summary>
public sealed class MaskedConstraint : WeightConstraint, IDeployableWeights
{
    private readonly ConnectivitySpec _spec;
    private readonly WeightConstraint? _inner;
    private readonly CoreLayout? _layout;
    private readonly CodebookShape _gatherShape;
    private readonly DeviceBuffer<int> _index;
    private readonly DeviceBuffer<float> _extended, _masked, _one;
    private bool[] _mask;
    private long _steps, _lastRevision = -1;
    private bool _backwardSinceUpdate;

    public Parameter Mask { get; }
    /// <summary>Core index of each row (with a per-core budget), else null.</summary>
    public Parameter? Cores { get; }
    public Parameter Step { get; }
    public WeightConstraint? Inner => _inner;
    /// <summary>Revisions made since this layer was built.</summary>
    public int Revisions { get; private set; }
    /// <summary>Host copy of the current mask [rows, fanIn].</summary>
    public IReadOnlyList<bool> CurrentMask => _mask;
    public override IReadOnlyList<Parameter> Parameters { get; }
    public override IReadOnlyList<Parameter> RowParameters =>
        new[] { Mask }.Concat(_inner?.RowParameters ?? Array.Empty<Parameter>()).ToArray();
    public override WeightStorage Storage => _inner?.Storage ?? new WeightStorage(32, CodebookScope.None);
    public override string Describe => _spec.Describe();
    public override CorePartition? Partition => _layout?.Partition ?? _inner?.Partition;

    /// <param name="inner">Builds the inner constraint, given the layout it must follow (null without cores).</param>
    public MaskedConstraint(Backend backend, Parameter weight, int rows, int fanIn, ConnectivitySpec spec,
        Func<CoreLayout?, WeightConstraint?> inner) : base(backend, weight, rows, fanIn)
    {
        _spec = spec;
        var w = weight.Value.ToArray();
        _layout = spec.Layout(w, rows, fanIn);
        _mask = spec.Choose(w, rows, fanIn, _layout);
        _layout?.Update(null, _mask);
        int n = rows * fanIn;
        _gatherShape = new CodebookShape(1, n, n + 1);
        Mask = new Parameter(backend, ParameterName("mask"), new[] { rows, fanIn }, new float[n], decay: false) { LearningRateScale = 0f };
        Cores = spec.CoreBudgetFor(fanIn)
            ? new Parameter(backend, ParameterName("cores"), new[] { rows }, _layout!.CoreOfRow.Select(c => (float)c).ToArray(), decay: false) { LearningRateScale = 0f }
            : null;
        Step = new Parameter(backend, ParameterName("mask_step"), new[] { 1 }, new float[1], decay: false) { LearningRateScale = 0f };
        _index = backend.Allocate<int>(n);
        _extended = backend.Allocate<float>(n + 1);
        _extended.Fill(0f);
        _masked = backend.Allocate<float>(n);
        _one = backend.Upload<float>(new[] { 1f });
        Upload();
        _inner = inner(_layout);
        var own = new List<Parameter> { Mask };
        if (Cores is not null) own.Add(Cores);
        own.Add(Step);
        Parameters = own.Concat(_inner?.Parameters ?? Array.Empty<Parameter>()).ToArray();
    }

    public override DeviceBuffer<float> Effective()
    {
        Backend.Copy(_inner?.Effective() ?? Weight.Value, _extended);
        Backend.Codebook.Gather(_gatherShape, _extended, _index, _masked);
        return _masked;
    }

    public override void Backward()
    {
        _steps++;
        _backwardSinceUpdate = true;
        Backend.Codebook.Accumulate(1, _one, Step.Value, first: false);
        Backend.Copy(Weight.Grad, _extended);
        Backend.Codebook.Gather(_gatherShape, _extended, _index, Weight.Grad);
        _inner?.Backward();
    }

    public override void AfterUpdate()
    {
        // Called with no training step before it: values were just loaded (build with a warm start,
        // checkpoint load), so the mask, partition and step count are read back from their parameters.
        if (!_backwardSinceUpdate) Resync();
        _backwardSinceUpdate = false;
        if (_spec.ReviseEvery > 0 && _steps > 0 && _steps % _spec.ReviseEvery == 0 && _steps <= _spec.FreezeAfter && _steps != _lastRevision)
            Revise();
        _inner?.AfterUpdate();
    }

    /// <summary>Re-picks the mask from the latent weights (the partition stays: per-core values follow it).</summary>
    private void Revise()
    {
        _mask = _spec.Choose(Weight.Value.ToArray(), Rows, FanIn, _layout);
        _layout?.Update(null, _mask);
        Upload();
        _lastRevision = _steps;
        Revisions++;
    }

    private void Resync()
    {
        var m = Mask.Value.ToArray();
        if (m.All(v => v == 0f)) return; // not loaded from anywhere: keep the mask chosen at construction
        _mask = m.Select(v => v != 0f).ToArray();
        _layout?.Update(Cores?.Value.ToArray().Select(v => (int)v).ToArray(), _mask);
        _steps = (long)Step.Value.ToArray()[0];
        _lastRevision = _steps % Math.Max(1, _spec.ReviseEvery) == 0 ? _steps : -1;
        Upload();
    }

    private void Upload()
    {
        int n = _mask.Length;
        Mask.Value.CopyFrom(_mask.Select(b => b ? 1f : 0f).ToArray());
        var index = new int[n];
        for (int i = 0; i < n; i++) index[i] = _mask[i] ? i : n;
        _index.CopyFrom(index);
    }

    public DeployableWeights Deployable()
    {
        if (_inner is not IDeployableWeights deployable)
            throw new InvalidOperationException(
                $"{Weight.Name}: the mask wraps {_inner?.Describe ?? "float32 weights"}; integer export needs integer values under it (CAT or TrueNorth types).");
        var inner = deployable.Deployable();
        return inner with { Mask = (bool[])_mask.Clone(), CoreOfRow = inner.CoreOfRow ?? _layout?.CoreOfRow };
    }

    public override void Dispose()
    {
        _inner?.Dispose();
        Mask.Dispose();
        Cores?.Dispose();
        Step.Dispose();
        _index.Dispose();
        _extended.Dispose();
        _masked.Dispose();
        _one.Dispose();
    }
}
