"""The domains' mutations and rules: catalog, enrollment, follows, articles, accounts, text."""
