namespace Sprout.Tests.Kernels;

public class SigmoidTests
{
    [Fact]
    public void Matches_the_double_precision_logistic_function_to_a_few_ulp()
    {
        // 10,007 values: whole vectors and a ragged tail; from deep saturation to deep saturation.
        var x = Enumerable.Range(0, 10_007).Select(i => -40f + 80f * i / 10_006).ToArray();
        var y = new float[x.Length];
        Sprout.Kernels.Sigmoid.Apply(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = 1 / (1 + Math.Exp(-(double)x[i]));
            Assert.True(Math.Abs(y[i] - expected) <= 4e-7 * expected, $"sigmoid({x[i]}) = {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Keeps_NaN_saturates_at_the_ends_and_works_in_place()
    {
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, 100f, -100f, 1e-8f, -1e-8f];
        var data = values.Concat(Enumerable.Repeat(float.NaN, 16)).ToArray();   // vector lanes and the scalar tail
        Sprout.Kernels.Sigmoid.Apply(data, data);
        Assert.True(float.IsNaN(data[0]));
        Assert.Equal(1f, data[1]);
        Assert.InRange(data[2], 0f, 1e-38f);
        Assert.Equal(0.5f, data[3]);
        Assert.Equal(1f, data[4]);
        Assert.InRange(data[5], 0f, 1e-38f);
        Assert.Equal(0.5f, data[6], 1e-7f);
        Assert.Equal(0.5f, data[7], 1e-7f);
        Assert.All(data[8..], v => Assert.True(float.IsNaN(v)));
    }
}
