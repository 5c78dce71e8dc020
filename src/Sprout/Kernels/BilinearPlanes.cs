namespace Sprout.Kernels;

/// <summary>
/// Bilinear resizing of planes with pixel centres aligned (align_corners = false, as torchvision's
/// <c>transforms.Resize</c> without antialiasing): output pixel i samples the source at (i + ½)·(source/target) − ½,
/// clamped to the edges.
/// </summary>
internal static class BilinearPlanes
{
    /// <summary>Resizes <paramref name="planes"/> planes of <paramref name="height"/>×<paramref name="width"/> in <paramref name="source"/> to <paramref name="targetHeight"/>×<paramref name="targetWidth"/> in <paramref name="destination"/>.</summary>
    public static void Resize(ReadOnlySpan<float> source, int planes, int height, int width, Span<float> destination, int targetHeight, int targetWidth)
    {
        var (rows, cols) = (Taps(height, targetHeight), Taps(width, targetWidth));
        int sourcePlane = height * width, targetPlane = targetHeight * targetWidth;
        for (int p = 0; p < planes; p++)
        {
            var src = source.Slice(p * sourcePlane, sourcePlane);
            var dst = destination.Slice(p * targetPlane, targetPlane);
            for (int y = 0; y < targetHeight; y++)
            {
                var (y0, y1, fy) = rows[y];
                var top = src.Slice(y0 * width, width);
                var bottom = src.Slice(y1 * width, width);
                var row = dst.Slice(y * targetWidth, targetWidth);
                for (int x = 0; x < targetWidth; x++)
                {
                    var (x0, x1, fx) = cols[x];
                    float upper = top[x0] + (top[x1] - top[x0]) * fx;
                    float lower = bottom[x0] + (bottom[x1] - bottom[x0]) * fx;
                    row[x] = upper + (lower - upper) * fy;
                }
            }
        }
    }

    /// <summary>For each output coordinate: the two source coordinates around its centre and the weight of the second.</summary>
    private static (int Low, int High, float Weight)[] Taps(int source, int target)
    {
        var taps = new (int, int, float)[target];
        double scale = (double)source / target;
        for (int i = 0; i < target; i++)
        {
            double position = Math.Max((i + 0.5) * scale - 0.5, 0);
            int low = Math.Min((int)position, source - 1);
            taps[i] = (low, Math.Min(low + 1, source - 1), (float)(position - low));
        }
        return taps;
    }
}
