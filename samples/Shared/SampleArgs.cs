using System.Globalization;

namespace Sprout.Samples;

/// <summary>The samples' command-line options: <c>--name value</c> pairs and bare flags.</summary>
public static class SampleArgs
{
    /// <summary>The value after <paramref name="name"/>, parsed invariantly, or <paramref name="fallback"/> when the option is absent.</summary>
    public static T Value<T>(string[] args, string name, T fallback) where T : IParsable<T>
    {
        int at = Array.IndexOf(args, name);
        if (at < 0) return fallback;
        if (at + 1 >= args.Length || !T.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value))
            throw new ArgumentException($"{name} expects a {typeof(T).Name} after it; got {(at + 1 < args.Length ? $"'{args[at + 1]}'" : "nothing")}.");
        return value;
    }

    /// <summary>Whether the bare flag <paramref name="name"/> was given.</summary>
    public static bool Flag(string[] args, string name) => args.Contains(name);
}
