namespace Sprout.Training;

/// <summary>The book's factor schedule: η_t = max(η_min, η₀·factor^t), a geometric decay with a floor.</summary>
public sealed class FactorScheduler : LearningRateSchedule
{
    /// <summary>Starts at <paramref name="baseRate"/> and multiplies by <paramref name="factor"/> each update, never below <paramref name="minimumRate"/>.</summary>
    public FactorScheduler(float baseRate, float factor = 1f, float minimumRate = 1e-7f)
    {
        if (!(baseRate > 0)) throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "Expected a positive base rate.");
        if (!(factor > 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Expected a factor in (0, 1].");
        if (!(minimumRate >= 0)) throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "Expected a minimum rate ≥ 0.");
        (BaseRate, Factor, MinimumRate) = (baseRate, factor, minimumRate);
    }

    /// <summary>η₀.</summary>
    public float BaseRate { get; }
    /// <summary>The multiplier per update.</summary>
    public float Factor { get; }
    /// <summary>The floor.</summary>
    public float MinimumRate { get; }

    /// <inheritdoc/>
    public override float Rate(int step) => MathF.Max(MinimumRate, BaseRate * MathF.Pow(Factor, step));
}
