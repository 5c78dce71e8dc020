namespace Sprout.Data.Transforms;

/// <summary>Copying a window of an image padded with zeros: the part <see cref="RandomCrop"/> and <see cref="CenterCrop"/> share.</summary>
internal static class Crop
{
    /// <summary>Checks that a <paramref name="height"/>×<paramref name="width"/> window fits images of <paramref name="input"/> padded by <paramref name="padding"/>.</summary>
    public static ImageShape OutputShape(string who, ImageShape input, int height, int width, int padding) =>
        height <= input.Height + 2 * padding && width <= input.Width + 2 * padding ? input with { Height = height, Width = width }
            : throw new ArgumentException($"{who}: a {height}×{width} crop does not fit images {input} padded by {padding} " +
                $"({input.Height + 2 * padding}×{input.Width + 2 * padding}); crop at most that, pad more, or resize first.");

    /// <summary>Copies the window whose top-left corner is (<paramref name="top"/>, <paramref name="left"/>) in padded coordinates; outside the image, zeros.</summary>
    public static void Window(ReadOnlySpan<float> image, ImageShape shape, int padding, int top, int left, Span<float> output, int height, int width)
    {
        output[..(shape.Channels * height * width)].Clear();
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < height; y++)
            {
                int sy = top + y - padding;
                if (sy < 0 || sy >= shape.Height) continue;
                int x0 = Math.Max(0, padding - left), x1 = Math.Min(width, shape.Width + padding - left);
                if (x1 <= x0) continue;
                image.Slice((c * shape.Height + sy) * shape.Width + left + x0 - padding, x1 - x0)
                    .CopyTo(output.Slice((c * height + y) * width + x0, x1 - x0));
            }
    }
}
