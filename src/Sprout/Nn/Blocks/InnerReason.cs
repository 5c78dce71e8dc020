namespace Sprout.Nn;

/// <summary>
/// The message of an exception a layer wraps in its own, without what .NET appends to an argument exception's message —
/// " (Parameter 'name')" and "Actual value was …" — which name the inner call's parameters rather than anything the
/// user passed, and would otherwise land in the middle of the layer's message.
/// </summary>
internal static class InnerReason
{
    public static string Of(Exception e)
    {
        string text = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
            text = StripSuffix(text, Environment.NewLine + $"Actual value was {actual}.");
        if (e is ArgumentException { ParamName: { Length: > 0 } name })
            text = StripSuffix(text, $" (Parameter '{name}')");
        return text;
    }

    private static string StripSuffix(string text, string suffix) =>
        text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text;
}
