namespace Sprout.Nn;

/// <summary>Constructor checks of a layer's 2-D geometry, so that impossible settings fail where they are made.</summary>
internal static class Size2Checks
{
    public static void Positive(Size2 value, string name)
    {
        if (value.H <= 0 || value.W <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"Expected positive {name} (both sizes at least 1); got {value}.");
    }

    public static void NonNegative(Size2 value, string name)
    {
        if (value.H < 0 || value.W < 0)
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} of 0 or more on each side; got {value}.");
    }
}
