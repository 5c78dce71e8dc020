using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>The one-pass heavy-ball step against the three passes it replaced, and against the update's definition.</summary>
public class HeavyBallTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(37)]      // a vector tail
    [InlineData(4099)]
    public void One_pass_gives_bit_for_bit_what_three_passes_gave(int length)
    {
        var rng = Rng.Stream(12, "heavy ball " + length);
        float[] w = new float[length], g = new float[length], v = new float[length];
        rng.FillUniform(w, -1, 1); rng.FillUniform(g, -3, 3); rng.FillUniform(v, -1, 1);
        float[] w2 = (float[])w.Clone(), v2 = (float[])v.Clone(), w0 = (float[])w.Clone(), v0 = (float[])v.Clone();
        const float Scale = 1f / 32, Momentum = 0.9f, Step = -0.05f;

        HeavyBall.Step(w, g, v, Scale, Momentum, Step);

        TensorPrimitives.Multiply(v2, Momentum, v2);
        TensorPrimitives.MultiplyAdd(g, Scale, v2, v2);
        TensorPrimitives.MultiplyAdd(v2, Step, w2, w2);
        Assert.Equal(v2, v);
        Assert.Equal(w2, w);
        for (int i = 0; i < length; i++)   // and the definition, in double precision: v ← μv + s·g, w ← w + η·v
        {
            double velocity = Momentum * (double)v0[i] + Scale * (double)g[i];
            Assert.True(Math.Abs(v[i] - velocity) <= 1e-6, $"v[{i}] is {v[i]}, expected {velocity}");
            Assert.True(Math.Abs(w[i] - (w0[i] + Step * velocity)) <= 1e-6, $"w[{i}] is {w[i]}, expected {w0[i] + Step * velocity}");
        }
    }

    [Fact]
    public void Spans_of_different_lengths_are_refused_naming_all_three()
    {
        var e = Assert.Throws<ArgumentException>(() => HeavyBall.Step(new float[4], new float[3], new float[4], 1, 0.9f, -0.1f));
        Assert.Contains("4, 3 and 4", e.Message);
    }
}
