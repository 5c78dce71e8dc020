namespace Sprout.Tests;

internal static class TestHelpers
{
    public static void Close(float[] expected, Tensor actual, float tolerance = 1e-5f) => Close(expected, actual.ToArray(), tolerance);

    public static void Close(float[] expected, float[] a, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(MathF.Abs(expected[i] - a[i]) <= tolerance * (1 + MathF.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    /// <summary>Initializes <paramref name="block"/> and runs it once on <paramref name="x"/> (so a test can assert on the forward's error).</summary>
    public static Tensor InitializeAndRun(this Sprout.Nn.Block block, Tensor x)
    {
        block.Initialize();
        return block.Forward(x);
    }
}
