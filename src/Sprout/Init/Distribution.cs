namespace Sprout.Init;

/// <summary>The distribution a variance-scaling initializer samples from.</summary>
public enum Distribution
{
    /// <summary>Uniform in [−s, s].</summary>
    Uniform,
    /// <summary>Normal with mean 0 and standard deviation s.</summary>
    Gaussian,
}
