import type { CompletionModel } from './model.js';

/**
 * The PowerShell completion script: generic logic reading the model, embedded as JSON. A JSON line
 * never starts with `'@`, so the literal here-string cannot end early.
 */
export function powershellScript(model: CompletionModel): string {
  const name = model.name;
  return `# PowerShell completion for ${name}, generated from its commander program: do not edit.
# Install: add this line to $PROFILE:  ${name} completion powershell | Out-String | Invoke-Expression

Register-ArgumentCompleter -Native -CommandName ${name} -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    # A profile's strict mode would turn every absent JSON property into an error.
    Set-StrictMode -Off

    $model = ConvertFrom-Json @'
${JSON.stringify(model, null, 2)}
'@

    # The saved profiles: profiles/*.json in the config dir, found as ${name} finds it.
    function Get-${name}Profiles {
        $root = if ($env:TOKENCTL_CONFIG_DIR) { $env:TOKENCTL_CONFIG_DIR }
        elseif ($env:OS -eq 'Windows_NT') {
            $appData = if ($env:APPDATA -and [IO.Path]::IsPathRooted($env:APPDATA)) { $env:APPDATA } else { Join-Path $HOME 'AppData\\Roaming' }
            Join-Path $appData '${name}'
        }
        elseif ($PSVersionTable.OS -like 'Darwin*') { Join-Path $HOME 'Library/Application Support/${name}' }
        elseif ("$env:XDG_CONFIG_HOME".StartsWith('/')) { Join-Path $env:XDG_CONFIG_HOME '${name}' }
        else { Join-Path $HOME '.config/${name}' }
        Get-ChildItem -LiteralPath (Join-Path $root 'profiles') -File -ErrorAction SilentlyContinue |
            Where-Object Extension -eq '.json' | ForEach-Object BaseName
    }

    # What a value offers. A file path offers nothing here: PowerShell then completes paths itself.
    function Get-${name}Values($value) {
        switch ($value.kind) {
            'choice' { $value.choices }
            'profile' { Get-${name}Profiles }
        }
    }

    # --option=value is one word in PowerShell: complete the value, keeping the option in front.
    $prefix = ''
    $forcedOption = $null
    if ($wordToComplete -match '^(--[^=]+)=(.*)$') {
        $forcedOption = $Matches[1]
        $prefix = "$($Matches[1])="
        $wordToComplete = $Matches[2]
    }

    # Before a command name, the operand is the command itself.
    $current = [pscustomobject]@{ options = $model.options; arguments = @([pscustomobject]@{ value = [pscustomobject]@{ kind = 'choice'; choices = @($model.commands.name) } }) }
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
    $inCommand = $false
    $operands = 0
    $option = $null
    for ($i = 1; $i -lt $words.Count; $i++) {
        $word = $words[$i]
        $valueOption = $current.options | Where-Object { $_.value -and ($_.short -ceq $word -or $_.long -ceq $word) } | Select-Object -First 1
        if ($valueOption) {
            $i++
            if ($i -eq $words.Count) { $option = $valueOption }
        }
        elseif ($word.StartsWith('-')) { }
        elseif (-not $inCommand) {
            $inCommand = $true
            $current = $model.commands | Where-Object name -ceq $word | Select-Object -First 1
            if (-not $current) { return }
        }
        else { $operands++ }
    }
    if ($forcedOption) { $option = $current.options | Where-Object long -ceq $forcedOption | Select-Object -First 1 }

    $results = if ($option) {
        Get-${name}Values $option.value | ForEach-Object { @{ text = $_; type = 'ParameterValue'; tip = $_ } }
    }
    else {
        $argument = if (-not $wordToComplete.StartsWith('-')) { $current.arguments | Select-Object -Skip $operands -First 1 }
        if ($argument -and $argument.value.kind -ne 'text') {
            Get-${name}Values $argument.value | ForEach-Object { @{ text = $_; type = 'ParameterValue'; tip = $_ } }
        }
        else {
            $current.options | ForEach-Object { $o = $_; @($o.short, $o.long) | Where-Object { $_ } | ForEach-Object { @{ text = $_; type = 'ParameterName'; tip = $o.description } } }
        }
    }
    $results | Where-Object { $_.text.StartsWith($wordToComplete, [StringComparison]::Ordinal) } | ForEach-Object {
        # CompletionResult refuses an empty tooltip.
        $tip = if ($_.tip) { $_.tip } else { $_.text }
        [System.Management.Automation.CompletionResult]::new($prefix + $_.text, $_.text, $_.type, $tip)
    }
}
`;
}
