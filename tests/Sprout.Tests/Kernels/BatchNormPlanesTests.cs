using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>
/// Batch normalization's loops against the statistics, outputs and gradients written out from the equations in double
/// precision, at plane sizes from one value to a few hundred.
/// </summary>
public class BatchNormPlanesTests
{
    [Theory]
    [InlineData(5, 24, 9)]     // ResNet-18's 3×3 planes: shorter than a vector
    [InlineData(3, 17, 1)]     // one value a plane (after a dense layer), an odd channel count
    [InlineData(4, 6, 256)]    // whole vectors
    [InlineData(3, 5, 300)]    // whole vectors and a tail
    public void Forward_and_gradients_match_the_equations(int n, int c, int s)
    {
        var layout = new BatchNormPlanes.Layout(n, c, s);
        var random = new Random(n * 100 + c * 10 + s);
        float[] Values(int count, float scale, float shift) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale + shift)];
        const int Offset = 3;   // arrays come with offsets
        var x = Values(Offset + n * c * s, 2f, 0.5f);
        var g = Values(Offset + n * c * s, 1f, 0f);
        var gamma = Values(Offset + c, 1f, 1f);
        var beta = Values(Offset + c, 1f, 0f);
        const float Epsilon = 1e-5f;
        var (y, mean, variance, invStd) = (new float[n * c * s], new float[c], new float[c], new float[c]);
        BatchNormPlanes.Forward(layout, x, Offset, gamma, Offset, beta, Offset, Epsilon, y, mean, variance, invStd);
        var (dGamma, dBeta, dx) = (new float[c], new float[c], new float[n * c * s]);
        BatchNormPlanes.Backward(layout, g, Offset, x, Offset, gamma, Offset, mean, invStd, dGamma, dBeta, dx);
        var (sumsAlone, shiftsAlone) = (new float[c], new float[c]);   // without dx: the same parameter gradients
        BatchNormPlanes.Backward(layout, g, Offset, x, Offset, gamma, Offset, mean, invStd, sumsAlone, shiftsAlone, null);
        Assert.Equal(dGamma, sumsAlone);
        Assert.Equal(dBeta, shiftsAlone);

        int m = n * s;
        for (int ch = 0; ch < c; ch++)
        {
            int[] at = [.. Enumerable.Range(0, m).Select(k => Offset + (k / s * c + ch) * s + k % s)];
            double mu = at.Average(i => (double)x[i]);
            double var = at.Average(i => (x[i] - mu) * (x[i] - mu));
            double inv = 1 / Math.Sqrt(var + Epsilon);
            Close(mu, mean[ch], $"mean[{ch}]");
            Close(var, variance[ch], $"variance[{ch}]");
            double[] xHat = [.. at.Select(i => (x[i] - mu) * inv)];
            double sumG = at.Sum(i => (double)g[i]), sumGxHat = at.Select((i, k) => g[i] * xHat[k]).Sum();
            Close(sumG, dBeta[ch], $"dβ[{ch}]");
            Close(sumGxHat, dGamma[ch], $"dγ[{ch}]");
            for (int k = 0; k < m; k++)
            {
                int i = at[k], plain = i - Offset;
                Close(gamma[Offset + ch] * xHat[k] + beta[Offset + ch], y[plain], $"y[{plain}]");
                Close(gamma[Offset + ch] * inv / m * (m * g[i] - sumG - xHat[k] * sumGxHat), dx[plain], $"dx[{plain}]");
            }
        }
    }

    [Theory]
    [InlineData(5, 24, 9)]
    [InlineData(3, 17, 1)]
    [InlineData(4, 6, 256)]
    [InlineData(3, 5, 300)]
    public void A_fused_relu_clamps_the_output_and_masks_the_gradient_by_it(int n, int c, int s)
    {
        var layout = new BatchNormPlanes.Layout(n, c, s);
        var random = new Random(n * 100 + c * 10 + s);
        float[] Values(int count, float scale, float shift) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale + shift)];
        const int Offset = 2;
        var x = Values(Offset + n * c * s, 2f, 0.5f);
        var g = Values(Offset + n * c * s, 1f, 0f);
        var gamma = Values(Offset + c, 1f, 0.2f);   // some negative: the mask then keeps the values below the mean
        var beta = Values(Offset + c, 1f, 0f);
        const float Epsilon = 1e-5f;
        var (plain, y, mean, variance, invStd) = (new float[n * c * s], new float[n * c * s], new float[c], new float[c], new float[c]);
        BatchNormPlanes.Forward(layout, x, Offset, gamma, Offset, beta, Offset, Epsilon, plain, mean, variance, invStd);
        BatchNormPlanes.Forward(layout, x, Offset, gamma, Offset, beta, Offset, Epsilon, y, mean, variance, invStd, relu: true);
        for (int i = 0; i < y.Length; i++) Assert.Equal(MathF.Max(plain[i], 0f), y[i]);
        Assert.Contains(y, v => v == 0f);
        Assert.Contains(y, v => v > 0f);

        var (dGamma, dBeta, dx) = (new float[c], new float[c], new float[n * c * s]);
        BatchNormPlanes.Backward(layout, g, Offset, x, Offset, gamma, Offset, mean, invStd, dGamma, dBeta, dx, beta, Offset);

        // The reference: the ReLU's gradient g·[y > 0] through batch norm's closed form, in double precision.
        int m = n * s;
        for (int ch = 0; ch < c; ch++)
        {
            int[] at = [.. Enumerable.Range(0, m).Select(k => Offset + (k / s * c + ch) * s + k % s)];
            double mu = at.Average(i => (double)x[i]);
            double inv = 1 / Math.Sqrt(at.Average(i => (x[i] - mu) * (x[i] - mu)) + Epsilon);
            double[] xHat = [.. at.Select(i => (x[i] - mu) * inv)];
            double[] masked = [.. at.Select(i => y[i - Offset] > 0 ? (double)g[i] : 0)];
            double sumG = masked.Sum(), sumGxHat = masked.Select((v, k) => v * xHat[k]).Sum();
            Close(sumG, dBeta[ch], $"dβ[{ch}]");
            Close(sumGxHat, dGamma[ch], $"dγ[{ch}]");
            for (int k = 0; k < m; k++)
                Close(gamma[Offset + ch] * inv / m * (m * masked[k] - sumG - xHat[k] * sumGxHat), dx[at[k] - Offset], $"dx[{at[k] - Offset}]");
        }
    }

    private static void Close(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 2e-4 * (1 + Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
}
