#!/usr/bin/env bash
# Packs Sprout, then uses it as a stranger would: a new console project in a temporary folder adds the package from a
# local folder feed, writes a deferred network, trains it one step and saves it. Also checks what the package holds.
# Run by .ci/run; fails loudly on any step.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet pack "$root/src/Sprout/Sprout.csproj" -c Release -o "$work/feed" -p:ContinuousIntegrationBuild=true -warnaserror >/dev/null
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/src/Sprout/Sprout.csproj")"
package="$work/feed/Sprout.$version.nupkg"
test -f "$package" && test -f "$work/feed/Sprout.$version.snupkg"

# The package holds the library, its XML docs, the README and the licence, and nothing from tests or benchmarks.
contents="$(unzip -Z1 "$package")"
for wanted in lib/net10.0/Sprout.dll lib/net10.0/Sprout.xml README.md LICENSE; do
  grep -qx "$wanted" <<<"$contents" || { echo "package-smoke: $wanted is missing from the package" >&2; exit 1; }
done
if grep -qiE 'test|bench|xunit' <<<"$contents"; then echo "package-smoke: test or bench files in the package:" >&2; grep -iE 'test|bench|xunit' <<<"$contents" >&2; exit 1; fi
if grep -qiE '\.so$|\.dll$' <<<"$(grep -v '^lib/net10.0/Sprout.dll$' <<<"$contents")"; then echo "package-smoke: native or extra assemblies in the package" >&2; exit 1; fi

mkdir "$work/app" && cd "$work/app"
dotnet new console --framework net10.0 --name SproutConsumer --output . >/dev/null
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
</configuration>
XML
dotnet add package Sprout --version "$version" >/dev/null
cat > Program.cs <<'CS'
using Sprout;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Training;

Rng.Seed(1);
var net = new Sequential { new Dense(16, Activation.Relu), new Dense(3) };
net.Initialize();
Console.WriteLine($"pending before the first forward: {string.Join(", ", net.PendingParameters())}");
var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
var x = Tensor.RandomUniform(8, 5);
var y = Tensor.FromArray([0, 1, 2, 0, 1, 2, 0, 1], 8);
var loss = new SoftmaxCrossEntropyLoss();
Tensor l;
using (Autograd.Record()) { l = loss.Forward(net.Forward(x), y).Sum(); }
l.Backward();
trainer.Step(8);
Console.WriteLine($"0.weight {net.CollectParams()["0.weight"].Shape}; loss {l.Item():F4}");
net.SaveParameters("consumer.safetensors");
var reloaded = new Sequential { new Dense(16, Activation.Relu), new Dense(3) };
reloaded.LoadParameters("consumer.safetensors");
Console.WriteLine(reloaded.Forward(x).ToArray().SequenceEqual(net.Forward(x).ToArray()) ? "reloaded: same outputs" : "reloaded: DIFFERENT");
CS
output="$(dotnet run -c Release 2>&1)"
echo "$output"
grep -q "pending before the first forward: 0.weight, 1.weight" <<<"$output"
grep -q "0.weight (16, 5)" <<<"$output"
grep -q "reloaded: same outputs" <<<"$output"
echo "package-smoke: Sprout $version installs from a local feed and trains"
