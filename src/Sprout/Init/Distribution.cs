namespace Sprout.Init;

/// <summary>The distribution a variance-scaling initializer samples from.</summary>
public enum Distribution
{
    Uniform,
    Gaussian,
}
