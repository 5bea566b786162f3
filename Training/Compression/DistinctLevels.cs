using SpikeFit.Kernels.Codebook;

namespace SpikeFit.Training.Compression;

/// <summary>
/// Projects a latent codebook onto the signed b-bit grid of DESIGN §4, q ∈ [−2^(b−1), 2^(b−1)−1]
/// (the asymmetric range, so M = 2^b can use every level), with one scale Δ per layer, and keeps
/// each group's M levels distinct.
/// <para>
/// Scale: Δ = max|c| / (2^(b−1) − 1) maps the largest centroid onto the top level (as the grid
/// kernel does). When M = 2^b every level is needed, including −2^(b−1); then Δ = max|c| / 2^(b−1),
/// so the grid spans [−max|c|, max|c|·(1 − 2^(1−b))] and no level sits unused beyond the weights
/// (at b = 2: {−a, −a/2, 0, a/2} instead of {−2a, −a, 0, a}).
/// </para>
/// <para>
/// Distinct levels: rounding c/Δ can map two centroids to one level, and the layer would then hold
/// fewer than M values. Within each group, in sorted order, a level not above its predecessor is
/// moved up one; if that overflows the top, levels are moved down from the top. Order is kept and
/// the result is M distinct in-range levels whenever M ≤ 2^b. Gradients pass straight through.
/// </para>
/// </summary>
public static class DistinctLevels
{
    /// <summary>Projects <paramref name="latent"/> [groups, m] into <paramref name="projected"/>; returns Δ (0 for an all-zero codebook).</summary>
    public static float Project(ReadOnlySpan<float> latent, Span<float> projected, int groups, int m, int bits)
    {
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        if (m < 1 || m > qMax - qMin + 1) throw new ArgumentException($"M = {m} does not fit a {bits}-bit grid (1..{qMax - qMin + 1}).");
        if (latent.Length != groups * m || projected.Length != latent.Length)
            throw new ArgumentException($"codebook of {latent.Length} values is not {groups} groups × {m}.");
        float maxAbs = 0f;
        foreach (var c in latent) maxAbs = MathF.Max(maxAbs, MathF.Abs(c));
        float scale = maxAbs / (m == qMax - qMin + 1 ? -qMin : qMax);
        if (!(scale > 0f) || !float.IsFinite(scale))
        {
            projected.Clear();
            return 0f;
        }
        for (int i = 0; i < latent.Length; i++) projected[i] = CodebookMath.Project(latent[i], scale, qMin, qMax);
        Apply(projected, groups, m, bits, scale);
        return scale;
    }

    /// <summary>Makes each group's levels of <paramref name="projected"/> (values Δ·q) distinct in place; returns true if anything changed.</summary>
    public static bool Apply(Span<float> projected, int groups, int m, int bits, float scale)
    {
        if (!(scale > 0f)) return false;
        var (qMin, qMax) = CodebookMath.GridRange(bits);
        if (m > qMax - qMin + 1) throw new ArgumentException($"M = {m} does not fit a {bits}-bit grid.");
        bool changed = false;
        Span<int> q = m <= 256 ? stackalloc int[m] : new int[m];
        Span<int> order = m <= 256 ? stackalloc int[m] : new int[m];
        for (int g = 0; g < groups; g++)
        {
            var c = projected.Slice(g * m, m);
            for (int i = 0; i < m; i++) order[i] = i;
            // Latent centroids can cross during training; sort by level so the fix keeps their order.
            for (int i = 1; i < m; i++)
                for (int j = i; j > 0 && c[order[j]] < c[order[j - 1]]; j--) (order[j], order[j - 1]) = (order[j - 1], order[j]);
            for (int i = 0; i < m; i++) q[i] = (int)MathF.Round(c[order[i]] / scale);
            bool clash = false;
            for (int i = 1; i < m; i++) if (q[i] <= q[i - 1]) { clash = true; break; }
            if (!clash) continue;
            for (int i = 1; i < m; i++) q[i] = Math.Max(q[i], q[i - 1] + 1);
            q[m - 1] = Math.Min(q[m - 1], qMax);
            for (int i = m - 2; i >= 0; i--) q[i] = Math.Min(q[i], q[i + 1] - 1);
            for (int i = 0; i < m; i++) c[order[i]] = scale * q[i];
            changed = true;
        }
        return changed;
    }
}
