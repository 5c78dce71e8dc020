namespace Sprout.Training;

/// <summary>
/// The book's cosine schedule with warm-up: for t &lt; w, η_t rises linearly from η_warm to η₀; then
/// η_t = η_T + (η₀ − η_T)(1 + cos(π(t − w)/(T − w)))/2 until T = <c>maxUpdate</c>, and η_T after.
/// </summary>
public sealed class CosineScheduler : LearningRateSchedule
{
    /// <summary>From <paramref name="baseRate"/> down to <paramref name="finalRate"/> at <paramref name="maxUpdate"/>, after <paramref name="warmupSteps"/> of warm-up from <paramref name="warmupBeginRate"/>.</summary>
    public CosineScheduler(int maxUpdate, float baseRate = 0.01f, float finalRate = 0f, int warmupSteps = 0, float warmupBeginRate = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (maxUpdate <= warmupSteps) throw new ArgumentOutOfRangeException(nameof(maxUpdate), maxUpdate, $"Expected maxUpdate above the {warmupSteps} warm-up steps.");
        if (!(baseRate > 0) || !(finalRate >= 0) || !(warmupBeginRate >= 0))
            throw new ArgumentOutOfRangeException(nameof(baseRate), "Expected a positive base rate and final and warm-up rates ≥ 0.");
        (MaxUpdate, BaseRate, FinalRate, WarmupSteps, WarmupBeginRate) = (maxUpdate, baseRate, finalRate, warmupSteps, warmupBeginRate);
    }

    /// <summary>T, the update at which the rate reaches <see cref="FinalRate"/>.</summary>
    public int MaxUpdate { get; }
    /// <summary>η₀, the rate after warm-up.</summary>
    public float BaseRate { get; }
    /// <summary>η_T.</summary>
    public float FinalRate { get; }
    /// <summary>w, the warm-up length.</summary>
    public int WarmupSteps { get; }
    /// <summary>η_warm, the rate warm-up starts from.</summary>
    public float WarmupBeginRate { get; }

    /// <inheritdoc/>
    public override float Rate(int step)
    {
        if (step < WarmupSteps) return WarmupBeginRate + (BaseRate - WarmupBeginRate) * step / WarmupSteps;
        if (step > MaxUpdate) return FinalRate;
        return FinalRate + (BaseRate - FinalRate) * (1 + MathF.Cos(MathF.PI * (step - WarmupSteps) / (MaxUpdate - WarmupSteps))) / 2;
    }
}
