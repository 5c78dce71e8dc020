namespace Sprout.Kernels;

/// <summary>
/// Adaptive pooling of planes to a fixed output size, as PyTorch's <c>adaptive_avg_pool2d</c>/<c>adaptive_max_pool2d</c>:
/// output cell i of a side covers input rows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉), so the bins tile the plane (overlapping by a
/// row when the sizes do not divide).
/// </summary>
internal static class AdaptivePoolPlanes
{
    /// <summary>The input range [Start, End) that output cell <paramref name="index"/> of <paramref name="output"/> covers.</summary>
    public static (int Start, int End) Bin(int index, int input, int output) =>
        ((int)((long)index * input / output), (int)(((long)(index + 1) * input + output - 1) / output));

    /// <summary>The mean (or, with <paramref name="max"/>, the maximum and its index in the plane) of each bin.</summary>
    public static void Forward(bool max, ReadOnlySpan<float> x, int planes, int height, int width, Span<float> y, Span<int> argmax, int outHeight, int outWidth)
    {
        int plane = height * width, outPlane = outHeight * outWidth;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < outHeight; i++)
            {
                var (r0, r1) = Bin(i, height, outHeight);
                for (int j = 0; j < outWidth; j++)
                {
                    var (c0, c1) = Bin(j, width, outWidth);
                    float best = float.NegativeInfinity, sum = 0;
                    int where = r0 * width + c0;
                    for (int r = r0; r < r1; r++)
                        for (int c = c0; c < c1; c++)
                        {
                            float v = x[p * plane + r * width + c];
                            sum += v;
                            if (v > best || float.IsNaN(v)) (best, where) = (v, r * width + c);
                        }
                    int o = p * outPlane + i * outWidth + j;
                    if (max) (y[o], argmax[o]) = (best, where);
                    else y[o] = sum / ((r1 - r0) * (c1 - c0));
                }
            }
    }

    /// <summary>Adds each output gradient to its bin: evenly (mean) or to the bin's maximum; <paramref name="dx"/> starts at zero.</summary>
    public static void Backward(bool max, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, int planes, int height, int width, int outHeight, int outWidth, Span<float> dx)
    {
        int plane = height * width, outPlane = outHeight * outWidth;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < outHeight; i++)
            {
                var (r0, r1) = Bin(i, height, outHeight);
                for (int j = 0; j < outWidth; j++)
                {
                    int o = p * outPlane + i * outWidth + j;
                    if (max) { dx[p * plane + argmax[o]] += dy[o]; continue; }
                    var (c0, c1) = Bin(j, width, outWidth);
                    float share = dy[o] / ((r1 - r0) * (c1 - c0));
                    for (int r = r0; r < r1; r++)
                        for (int c = c0; c < c1; c++) dx[p * plane + r * width + c] += share;
                }
            }
    }
}
