namespace Sprout.Training;

/// <summary>
/// A learning rate as a function of the update count t (updates taken before the current one, from 0). A
/// <see cref="Trainer"/> given one sets the optimizer's rate from it before every step.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate for update <paramref name="step"/> (0-based).</summary>
    public abstract float Rate(int step);
}
