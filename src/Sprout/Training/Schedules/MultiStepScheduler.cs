namespace Sprout.Training;

/// <summary>The book's multi-factor schedule: η_t = η₀·factor^(number of milestones ≤ t), piecewise constant.</summary>
public sealed class MultiStepScheduler : LearningRateSchedule
{
    private readonly int[] _milestones;

    /// <summary>Multiplies <paramref name="baseRate"/> by <paramref name="factor"/> at each of the (increasing) <paramref name="milestones"/>.</summary>
    public MultiStepScheduler(float baseRate, IEnumerable<int> milestones, float factor = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones];
        if (!(baseRate > 0)) throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "Expected a positive base rate.");
        if (!(factor > 0)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Expected a positive factor.");
        for (int i = 0; i < _milestones.Length; i++)
            if (_milestones[i] < 0 || (i > 0 && _milestones[i] <= _milestones[i - 1]))
                throw new ArgumentException($"MultiStepScheduler: milestones ({string.Join(", ", _milestones)}) must be increasing and non-negative.", nameof(milestones));
        (BaseRate, Factor) = (baseRate, factor);
    }

    /// <summary>η₀.</summary>
    public float BaseRate { get; }
    /// <summary>The multiplier at each milestone.</summary>
    public float Factor { get; }
    /// <summary>The updates at which the rate changes.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc/>
    public override float Rate(int step) => BaseRate * MathF.Pow(Factor, _milestones.Count(m => m <= step));
}
